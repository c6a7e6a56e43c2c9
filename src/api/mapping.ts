/** Mapping both ways between the resource's spec (lowerCamelCase) and SageMaker's shapes (PascalCase). */
import type { Tag, UserSettings } from "./generated/sagemaker-shapes.js";
import type { SpecTag, SpecUserSettings } from "./generated/spec-types.js";
import { renameKeys, specName, wireName } from "./model.js";

export function userSettingsToSageMaker(spec: SpecUserSettings): UserSettings {
  return renameKeys("UserSettings", spec, (m) => m, wireName) as UserSettings;
}

export function userSettingsFromSageMaker(wire: UserSettings): SpecUserSettings {
  return renameKeys("UserSettings", wire, specName, (k) => k) as SpecUserSettings;
}

export function tagsToSageMaker(tags: SpecTag[]): Tag[] {
  return tags.map((t) => ({ Key: t.key, Value: t.value }));
}

export function tagsFromSageMaker(tags: Tag[]): SpecTag[] {
  return tags.map((t) => ({ key: t.Key, value: t.Value }));
}
