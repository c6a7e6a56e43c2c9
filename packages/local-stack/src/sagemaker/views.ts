/** What the admin API and tests see of a record: copies, so a caller cannot change the store's state. */
import type { DomainRecord, ProfileRecord } from "./records.js";
import { tagList } from "./records.js";
import type { DomainView, ProfileView } from "./types.js";

export function profileView(rec: ProfileRecord): ProfileView {
  return {
    domainId: rec.domainId,
    userProfileName: rec.name,
    userProfileArn: rec.arn,
    homeEfsFileSystemUid: rec.uid,
    status: rec.status,
    ...(rec.failureReason !== undefined ? { failureReason: rec.failureReason } : {}),
    userSettings: structuredClone(rec.settings),
    tags: tagList(rec.tags),
    creationTime: rec.creationTime,
    lastModifiedTime: rec.lastModifiedTime,
    inUseFor: rec.inUseFor,
  };
}

export function domainView(d: DomainRecord): DomainView {
  return {
    domainId: d.domainId,
    domainArn: d.domainArn,
    domainName: d.domainName,
    defaultUserSettings: structuredClone(d.defaultUserSettings),
    ...(d.securityGroupIdForDomainBoundary !== undefined
      ? { securityGroupIdForDomainBoundary: d.securityGroupIdForDomainBoundary }
      : {}),
    creationTime: d.creationTime,
    lastModifiedTime: d.lastModifiedTime,
  };
}
