-- Argo CD health check for sagemaker.gitops.io/SageMakerUserProfile (sagemaker-profile-operator).
-- Reads the kstatus conditions the operator writes (Ready, Synced, Reconciling, Stalled) and status.observedGeneration.
-- Install: docs/gitops.md ("Argo CD health check"). Lua 5.1 (Argo CD's interpreter) and newer.
local hs = {}

local function condition(conditions, type)
  if conditions == nil then return nil end
  for _, c in ipairs(conditions) do
    if c.type == type then return c end
  end
  return nil
end

local function say(c, fallback)
  if c == nil then return fallback end
  local text = c.message
  if text == nil or text == "" then text = fallback end
  if c.reason ~= nil and c.reason ~= "" then return c.reason .. ": " .. text end
  return text
end

local annotations = obj.metadata.annotations
if annotations ~= nil and annotations["sagemaker.gitops.io/paused"] == "true" then
  hs.status = "Suspended"
  hs.message = "Paused: annotation sagemaker.gitops.io/paused is \"true\"; the operator leaves the profile alone"
  return hs
end

local status = obj.status
local conditions = nil
if status ~= nil then conditions = status.conditions end
local ready = condition(conditions, "Ready")
if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report status"
  return hs
end

local generation = obj.metadata.generation
if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. generation
  return hs
end

local synced = condition(conditions, "Synced")
local stalled = condition(conditions, "Stalled")
local reconciling = condition(conditions, "Reconciling")

if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = say(stalled, "Stalled")
  return hs
end
if ready.status == "True" then
  hs.status = "Healthy"
  hs.message = say(ready, "Ready")
  return hs
end
if reconciling ~= nil and reconciling.status == "True" then
  hs.status = "Progressing"
  hs.message = say(reconciling, "Reconciling")
  return hs
end
if synced ~= nil and synced.reason == "Paused" then
  -- The annotation is gone (checked above) but the operator has not looked again yet.
  hs.status = "Progressing"
  hs.message = "Resuming: the pause annotation was removed"
  return hs
end
-- Not ready, not working on it, not stalled: held on purpose (Observe drift, NotFound, Contested); a person decides.
hs.status = "Degraded"
hs.message = say(synced, say(ready, "Not ready"))
return hs
