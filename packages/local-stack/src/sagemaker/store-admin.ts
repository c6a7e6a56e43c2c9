/** The admin and reader surfaces bound to one store (one account and region). */
import type { EmulatorStoreReader, PartitionAdmin } from "./core.js";
import { describeProfile } from "./operations.js";
import type { Store } from "./store.js";
import { studioAdmin, studioReader } from "./studio-admin.js";

export function storeAdmin(store: Store): Omit<PartitionAdmin, "setThrottle"> {
  return {
    ...studioAdmin(store),
    createDomain: (spec = {}) => store.domainView(store.createDomain(spec)),
    updateDomain: (domainId, patch) => store.domainView(store.updateDomain(domainId, patch)),
    createProfile: (domainId, name, spec = {}) =>
      store.profileView(
        store.createProfile(
          domainId,
          name,
          {
            ...(spec.userSettings !== undefined ? { userSettings: spec.userSettings } : {}),
            ...(spec.tags !== undefined ? { tags: spec.tags } : {}),
            ...(spec.singleSignOnUserIdentifier !== undefined
              ? { ssoIdentifier: spec.singleSignOnUserIdentifier }
              : {}),
            ...(spec.singleSignOnUserValue !== undefined ? { ssoValue: spec.singleSignOnUserValue } : {}),
          },
          "InService",
        ),
      ),
    setProfile: (domainId, name, patch) => store.profileView(store.patchProfile(domainId, name, patch)),
    deleteProfile: (domainId, name) => store.removeProfile(domainId, name),
    registerResources: (resources) => store.references.register(resources),
    resources: () => store.references.list(),
  };
}

export function makeReader(store: Store): EmulatorStoreReader {
  return {
    ...studioReader(store),
    getProfile: (domainId, name) => {
      const rec = store.profile(domainId, name);
      return rec && store.profileView(rec);
    },
    describeProfile: (domainId, name) => {
      const rec = store.profile(domainId, name);
      return rec && describeProfile(store, rec);
    },
    getDomain: (domainId) => {
      const d = store.domain(domainId);
      return d && store.domainView(d);
    },
    profileCount: () => store.profileCount(),
  };
}
