{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "smpo.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: the release name when it already contains the chart name. */}}
{{- define "smpo.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "smpo.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "smpo.selectorLabels" -}}
app.kubernetes.io/name: {{ include "smpo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "smpo.labels" -}}
helm.sh/chart: {{ include "smpo.chart" . }}
{{ include "smpo.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: sagemaker-profile-operator
{{- end }}

{{- define "smpo.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "smpo.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* repository@digest when a digest is given, else repository:tag (default appVersion). */}}
{{- define "smpo.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* "true" when leader election is on: asked for, or needed because more than one replica runs. */}}
{{- define "smpo.leaderElect" -}}
{{- if or .Values.leaderElection.enabled (gt (int .Values.replicaCount) 1) }}true{{ end }}
{{- end }}

{{- define "smpo.leaderElectionNamespace" -}}
{{- default .Release.Namespace .Values.leaderElection.namespace }}
{{- end }}

{{/* The operator's rules on its resource, Events included; shared by the ClusterRole and the per-namespace Roles. */}}
{{/* Exactly the verbs the operator uses (test/chart/least-privilege.test.ts derives them from a traced run): an
informer (list, watch), finalizers by JSON patch and a re-read on conflict (patch, get), status by merge patch. */}}
{{- define "smpo.resourceRules" -}}
- apiGroups: ["sagemaker.gitops.io"]
  resources: ["sagemakeruserprofiles"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["sagemaker.gitops.io"]
  resources: ["sagemakeruserprofiles/status"]
  verbs: ["patch"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end }}

{{/* Read-only, cluster-wide in both modes: tenant policies are cluster-scoped and select namespaces by label. */}}
{{- define "smpo.policyRules" -}}
- apiGroups: ["sagemaker.gitops.io"]
  resources: ["sagemakerprofilepolicies"]
  verbs: ["list", "watch"]
- apiGroups: [""]
  resources: ["namespaces"]
  verbs: ["list", "watch"]
{{- /* SageMakerAccount (docs/multi-account.md): read the accounts, write the result of their credential check. */}}
- apiGroups: ["sagemaker.gitops.io"]
  resources: ["sagemakeraccounts"]
  verbs: ["list", "watch"]
- apiGroups: ["sagemaker.gitops.io"]
  resources: ["sagemakeraccounts/status"]
  verbs: ["patch"]
{{- end }}
