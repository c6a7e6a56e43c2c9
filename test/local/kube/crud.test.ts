/** CRUD, resourceVersion, generation, status subresource, finalizers and namespaces through the real client-node. */
import {
  ApiextensionsV1Api,
  ApisApi,
  PatchStrategy,
  setHeaderOptions,
  V1MicroTime,
  VersionApi,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Env, failure, freshNamespace, type Obj, PROFILES, profile, startEnv } from "./helpers.js";

let env: Env;
beforeAll(async () => {
  env = await startEnv();
});
afterAll(() => env.kube.close());

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

describe("discovery", () => {
  it("serves the version, the core and named groups, and the CRDs from crds/", async () => {
    const version = await env.kc.makeApiClient(VersionApi).getCode();
    expect(version.major).toBe("1");
    const apis = await env.kc.makeApiClient(ApisApi).getAPIVersions();
    const groups = apis.groups.map((g) => g.name);
    expect(groups).toEqual(
      expect.arrayContaining(["apiextensions.k8s.io", "coordination.k8s.io", "events.k8s.io", "sagemaker.gitops.io"]),
    );
    const resources = await env.custom.getAPIResources({ group: "sagemaker.gitops.io", version: "v1alpha1" });
    const smup = resources.resources.find((r) => r.name === "sagemakeruserprofiles");
    expect(smup).toMatchObject({
      kind: "SageMakerUserProfile",
      namespaced: true,
      shortNames: ["smup"],
      categories: ["sagemaker"],
    });
    expect(resources.resources.map((r) => r.name)).toContain("sagemakeruserprofiles/status");
    const core = await env.core.getAPIResources();
    expect(core.resources.map((r) => r.name)).toEqual(
      expect.arrayContaining(["namespaces", "events", "configmaps", "secrets"]),
    );
  });

  it("creates the default and kube-system namespaces", async () => {
    const list = await env.core.listNamespace();
    expect(list.items.map((n) => n.metadata?.name)).toEqual(expect.arrayContaining(["default", "kube-system"]));
    expect(list.items.find((n) => n.metadata?.name === "default")?.status?.phase).toBe("Active");
  });
});

describe("custom resources", () => {
  it("creates, reads, lists, replaces and deletes, with uid, creationTimestamp and resourceVersion", async () => {
    const ns = await freshNamespace(env);
    const created = (await env.custom.createNamespacedCustomObject({
      ...PROFILES,
      namespace: ns,
      body: profile(ns, "alice"),
    })) as Obj;
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata.generation).toBe(1);
    expect(Number(created.metadata.resourceVersion)).toBeGreaterThan(0);
    // defaults from the CRD schema were applied
    expect(created.spec).toMatchObject({ managementPolicy: "Manage", deletionPolicy: "Delete", adoptExisting: false });

    const got = (await env.custom.getNamespacedCustomObject({ ...PROFILES, namespace: ns, name: "alice" })) as Obj;
    expect(got).toEqual(created);

    await env.custom.createNamespacedCustomObject({ ...PROFILES, namespace: ns, body: profile(ns, "bob") });
    const list = (await env.custom.listNamespacedCustomObject({ ...PROFILES, namespace: ns })) as {
      items: Obj[];
      metadata: { resourceVersion: string };
    };
    expect(list.items.map((i) => i.metadata.name)).toEqual(["alice", "bob"]);
    expect(Number(list.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(created.metadata.resourceVersion));

    const replaced = (await env.custom.replaceNamespacedCustomObject({
      ...PROFILES,
      namespace: ns,
      name: "alice",
      body: { ...got, spec: { ...got.spec, userProfileName: undefined, adoptExisting: true } },
    })) as Obj;
    expect(replaced.spec?.adoptExisting).toBe(true);
    expect(Number(replaced.metadata.resourceVersion)).toBeGreaterThan(Number(got.metadata.resourceVersion));
    expect(replaced.metadata.generation).toBe(2);

    await env.custom.deleteNamespacedCustomObject({ ...PROFILES, namespace: ns, name: "alice" });
    const missing = await failure(env.custom.getNamespacedCustomObject({ ...PROFILES, namespace: ns, name: "alice" }));
    expect(missing).toMatchObject({ code: 404, reason: "NotFound" });
    expect(missing.message).toBe('sagemakeruserprofiles.sagemaker.gitops.io "alice" not found');
  });

  it("lists across all namespaces", async () => {
    const a = await freshNamespace(env);
    const b = await freshNamespace(env);
    await env.custom.createNamespacedCustomObject({ ...PROFILES, namespace: a, body: profile(a, "x") });
    await env.custom.createNamespacedCustomObject({ ...PROFILES, namespace: b, body: profile(b, "x") });
    const all = (await env.custom.listClusterCustomObject(PROFILES)) as { items: Obj[] };
    const keys = all.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`);
    expect(keys).toEqual(expect.arrayContaining([`${a}/x`, `${b}/x`]));
  });

  it("answers 409 Conflict to an update with a stale resourceVersion, and 409 AlreadyExists to a duplicate", async () => {
    const ns = await freshNamespace(env);
    const created = (await env.custom.createNamespacedCustomObject({
      ...PROFILES,
      namespace: ns,
      body: profile(ns, "p"),
    })) as Obj;
    await env.custom.patchNamespacedCustomObject(
      { ...PROFILES, namespace: ns, name: "p", body: { metadata: { labels: { a: "b" } } } },
      mergePatch,
    );
    const stale = await failure(
      env.custom.replaceNamespacedCustomObject({
        ...PROFILES,
        namespace: ns,
        name: "p",
        body: { ...created, spec: { domainId: "d-abc123def456", adoptExisting: true } },
      }),
    );
    expect(stale).toMatchObject({ code: 409, reason: "Conflict", kind: "Status" });
    expect(stale.message).toContain(
      "the object has been modified; please apply your changes to the latest version and try again",
    );

    const dup = await failure(
      env.custom.createNamespacedCustomObject({ ...PROFILES, namespace: ns, body: profile(ns, "p") }),
    );
    expect(dup).toMatchObject({ code: 409, reason: "AlreadyExists" });
  });

  it("refuses an update without resourceVersion for custom resources (422), like the real server", async () => {
    const ns = await freshNamespace(env);
    await env.custom.createNamespacedCustomObject({ ...PROFILES, namespace: ns, body: profile(ns, "p") });
    const res = await failure(
      env.custom.replaceNamespacedCustomObject({ ...PROFILES, namespace: ns, name: "p", body: profile(ns, "p") }),
    );
    expect(res).toMatchObject({ code: 422, reason: "Invalid" });
    expect(res.details?.causes?.[0]?.field).toBe("metadata.resourceVersion");
  });

  it("answers 404 NotFound when the namespace does not exist", async () => {
    const res = await failure(
      env.custom.createNamespacedCustomObject({
        ...PROFILES,
        namespace: "no-such-ns",
        body: profile("no-such-ns", "p"),
      }),
    );
    expect(res).toMatchObject({ code: 404, reason: "NotFound", message: 'namespaces "no-such-ns" not found' });
  });

  it("bumps generation only on spec changes, not on metadata or status changes", async () => {
    const ns = await freshNamespace(env);
    const created = (await env.custom.createNamespacedCustomObject({
      ...PROFILES,
      namespace: ns,
      body: profile(ns, "g"),
    })) as Obj;
    expect(created.metadata.generation).toBe(1);
    const labelled = (await env.custom.patchNamespacedCustomObject(
      { ...PROFILES, namespace: ns, name: "g", body: { metadata: { labels: { x: "y" } } } },
      mergePatch,
    )) as Obj;
    expect(labelled.metadata.generation).toBe(1);
    expect(Number(labelled.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    const withStatus = (await env.custom.patchNamespacedCustomObjectStatus(
      {
        ...PROFILES,
        namespace: ns,
        name: "g",
        body: { status: { observedGeneration: 1, profileStatus: "InService" } },
      },
      mergePatch,
    )) as Obj;
    expect(withStatus.metadata.generation).toBe(1);
    expect(withStatus.status).toEqual({ observedGeneration: 1, profileStatus: "InService" });
    const specChanged = (await env.custom.patchNamespacedCustomObject(
      { ...PROFILES, namespace: ns, name: "g", body: { spec: { adoptExisting: true } } },
      mergePatch,
    )) as Obj;
    expect(specChanged.metadata.generation).toBe(2);
  });

  it("does not write an update that changes nothing (same resourceVersion)", async () => {
    const ns = await freshNamespace(env);
    const created = (await env.custom.createNamespacedCustomObject({
      ...PROFILES,
      namespace: ns,
      body: profile(ns, "n"),
    })) as Obj;
    const same = (await env.custom.patchNamespacedCustomObject(
      { ...PROFILES, namespace: ns, name: "n", body: { spec: { domainId: "d-abc123def456" } } },
      mergePatch,
    )) as Obj;
    expect(same.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
  });

  it("status subresource: /status changes only status; the main endpoint ignores status; stale rv is 409 there too", async () => {
    const ns = await freshNamespace(env);
    const created = (await env.custom.createNamespacedCustomObject({
      ...PROFILES,
      namespace: ns,
      body: { ...profile(ns, "s"), status: { profileStatus: "ignored-on-create" } },
    })) as Obj;
    expect(created.status).toBeUndefined();

    const viaStatus = (await env.custom.replaceNamespacedCustomObjectStatus({
      ...PROFILES,
      namespace: ns,
      name: "s",
      body: {
        ...created,
        spec: { domainId: "d-changed" },
        metadata: { ...created.metadata, labels: { ignored: "yes" } },
        status: { profileStatus: "Pending" },
      },
    })) as Obj;
    expect(viaStatus.status).toEqual({ profileStatus: "Pending" });
    expect(viaStatus.spec?.domainId).toBe("d-abc123def456");
    expect(viaStatus.metadata.labels).toBeUndefined();

    const viaMain = (await env.custom.replaceNamespacedCustomObject({
      ...PROFILES,
      namespace: ns,
      name: "s",
      body: { ...viaStatus, status: { profileStatus: "Hacked" }, spec: { ...viaStatus.spec, adoptExisting: true } },
    })) as Obj;
    expect(viaMain.status).toEqual({ profileStatus: "Pending" });
    expect(viaMain.spec?.adoptExisting).toBe(true);

    const stale = await failure(
      env.custom.replaceNamespacedCustomObjectStatus({
        ...PROFILES,
        namespace: ns,
        name: "s",
        body: { ...viaStatus, status: { profileStatus: "InService" } },
      }),
    );
    expect(stale).toMatchObject({ code: 409, reason: "Conflict" });
  });

  it("JSON patch (the client-node default) with a failing test op is refused; a passing one applies", async () => {
    const ns = await freshNamespace(env);
    await env.custom.createNamespacedCustomObject({
      ...PROFILES,
      namespace: ns,
      body: profile(ns, "f", {}, { finalizers: ["sagemaker.gitops.io/finalizer"] }),
    });
    const bad = await failure(
      env.custom.patchNamespacedCustomObject({
        ...PROFILES,
        namespace: ns,
        name: "f",
        body: [
          { op: "test", path: "/metadata/finalizers/0", value: "someone-else/finalizer" },
          { op: "remove", path: "/metadata/finalizers/0" },
        ],
      }),
    );
    expect(bad.code).toBe(422);
    const ok = (await env.custom.patchNamespacedCustomObject({
      ...PROFILES,
      namespace: ns,
      name: "f",
      body: [
        { op: "test", path: "/metadata/finalizers/0", value: "sagemaker.gitops.io/finalizer" },
        { op: "remove", path: "/metadata/finalizers/0" },
      ],
    })) as Obj;
    expect(ok.metadata.finalizers ?? []).toEqual([]);
  });

  it("a merge patch carrying a stale resourceVersion is a 409 (optimistic concurrency for patches)", async () => {
    const ns = await freshNamespace(env);
    const created = (await env.custom.createNamespacedCustomObject({
      ...PROFILES,
      namespace: ns,
      body: profile(ns, "o"),
    })) as Obj;
    await env.custom.patchNamespacedCustomObject(
      { ...PROFILES, namespace: ns, name: "o", body: { metadata: { labels: { a: "1" } } } },
      mergePatch,
    );
    const res = await failure(
      env.custom.patchNamespacedCustomObject(
        {
          ...PROFILES,
          namespace: ns,
          name: "o",
          body: { metadata: { resourceVersion: created.metadata.resourceVersion, labels: { a: "2" } } },
        },
        mergePatch,
      ),
    );
    expect(res.code).toBe(409);
  });
});

describe("finalizers and deletion", () => {
  it("DELETE with a finalizer sets deletionTimestamp and keeps the object until the finalizer is removed", async () => {
    const ns = await freshNamespace(env);
    await env.custom.createNamespacedCustomObject({
      ...PROFILES,
      namespace: ns,
      body: profile(ns, "d", {}, { finalizers: ["sagemaker.gitops.io/finalizer"] }),
    });
    const deleting = (await env.custom.deleteNamespacedCustomObject({ ...PROFILES, namespace: ns, name: "d" })) as Obj;
    expect(deleting.metadata.deletionTimestamp).toBeTruthy();
    const still = (await env.custom.getNamespacedCustomObject({ ...PROFILES, namespace: ns, name: "d" })) as Obj & {
      metadata: { deletionGracePeriodSeconds?: number };
    };
    expect(still.metadata.deletionTimestamp).toBeTruthy();
    expect(still.metadata.deletionGracePeriodSeconds).toBe(0);
    expect(still.metadata.generation).toBe(2);

    // a second DELETE changes nothing
    const again = (await env.custom.deleteNamespacedCustomObject({ ...PROFILES, namespace: ns, name: "d" })) as Obj;
    expect(again.metadata.resourceVersion).toBe(still.metadata.resourceVersion);

    const adding = await failure(
      env.custom.patchNamespacedCustomObject(
        {
          ...PROFILES,
          namespace: ns,
          name: "d",
          body: { metadata: { finalizers: ["sagemaker.gitops.io/finalizer", "other.io/x"] } },
        },
        mergePatch,
      ),
    );
    expect(adding.code).toBe(422);

    await env.custom.patchNamespacedCustomObject(
      { ...PROFILES, namespace: ns, name: "d", body: { metadata: { finalizers: null } } },
      mergePatch,
    );
    const gone = await failure(env.custom.getNamespacedCustomObject({ ...PROFILES, namespace: ns, name: "d" }));
    expect(gone.code).toBe(404);
  });

  it("deletecollection deletes what a list with the same options answers (one page with a limit), and refuses what a list refuses", async () => {
    const ns = await freshNamespace(env);
    for (const name of ["a1", "a2", "a3", "b1", "b2"])
      await env.core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name, labels: { app: name.slice(0, 1) } } },
      });
    const left = async () =>
      (await env.core.listNamespacedConfigMap({ namespace: ns })).items.map((c) => c.metadata?.name).sort();

    // Refused before anything is deleted, as a list would be: options ValidateListOptions forbids, a field label the
    // resource does not have, a label value that is no label value.
    const noVersion = await failure(
      env.core.deleteCollectionNamespacedConfigMap({
        namespace: ns,
        labelSelector: "app=a",
        resourceVersionMatch: "Exact",
      }),
    );
    expect(noVersion.code).toBe(422);
    expect(noVersion.message).toContain("resourceVersionMatch is forbidden unless resourceVersion is provided");
    const badField = await failure(
      env.core.deleteCollectionNamespacedConfigMap({ namespace: ns, fieldSelector: "spec.app=a" }),
    );
    expect(badField.code).toBe(400);
    const badValue = await failure(
      env.core.deleteCollectionNamespacedConfigMap({ namespace: ns, labelSelector: "app=a/b" }),
    );
    expect(badValue.code).toBe(400);
    expect(badValue.message).toContain('values[0][app]: Invalid value: "a/b"');
    expect(await left()).toEqual(["a1", "a2", "a3", "b1", "b2"]);

    // With a limit, the first page only (the store's DeleteCollection returns after one List when a limit was given).
    await env.core.deleteCollectionNamespacedConfigMap({ namespace: ns, labelSelector: "app=a", limit: 2 });
    expect(await left()).toEqual(["a3", "b1", "b2"]);
    // Without one, every match.
    await env.core.deleteCollectionNamespacedConfigMap({ namespace: ns, labelSelector: "app in (a,b)" });
    expect(await left()).toEqual([]);
  });

  it("deleting a namespace deletes what is in it, waiting for finalizers", async () => {
    const ns = await freshNamespace(env);
    await env.custom.createNamespacedCustomObject({ ...PROFILES, namespace: ns, body: profile(ns, "plain") });
    await env.custom.createNamespacedCustomObject({
      ...PROFILES,
      namespace: ns,
      body: profile(ns, "held", {}, { finalizers: ["sagemaker.gitops.io/finalizer"] }),
    });
    await env.core.deleteNamespace({ name: ns });
    const terminating = await env.core.readNamespace({ name: ns });
    expect(terminating.status?.phase).toBe("Terminating");
    expect(
      (await failure(env.custom.getNamespacedCustomObject({ ...PROFILES, namespace: ns, name: "plain" }))).code,
    ).toBe(404);
    const held = (await env.custom.getNamespacedCustomObject({ ...PROFILES, namespace: ns, name: "held" })) as Obj;
    expect(held.metadata.deletionTimestamp).toBeTruthy();
    const refused = await failure(
      env.custom.createNamespacedCustomObject({ ...PROFILES, namespace: ns, body: profile(ns, "new") }),
    );
    expect(refused).toMatchObject({ code: 403, reason: "Forbidden" });

    await env.custom.patchNamespacedCustomObject(
      { ...PROFILES, namespace: ns, name: "held", body: { metadata: { finalizers: [] } } },
      mergePatch,
    );
    expect((await failure(env.core.readNamespace({ name: ns }))).code).toBe(404);
  });
});

describe("built-in resources", () => {
  it("ConfigMaps, Leases and Events (both APIs, one store) are ordinary namespaced resources", async () => {
    const ns = await freshNamespace(env);
    await env.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "cfg" }, data: { a: "1" } } });
    const cm = await env.core.readNamespacedConfigMap({ namespace: ns, name: "cfg" });
    expect(cm.data).toEqual({ a: "1" });

    const lease = await env.coordination.createNamespacedLease({
      namespace: ns,
      body: { metadata: { name: "leader" }, spec: { holderIdentity: "a", leaseDurationSeconds: 15 } },
    });
    const taken = await env.coordination.replaceNamespacedLease({
      namespace: ns,
      name: "leader",
      body: { ...lease, spec: { ...lease.spec, holderIdentity: "b" } },
    });
    expect(taken.spec?.holderIdentity).toBe("b");
    const stale = await failure(
      env.coordination.replaceNamespacedLease({ namespace: ns, name: "leader", body: lease }),
    );
    expect(stale.code).toBe(409);

    await env.events.createNamespacedEvent({
      namespace: ns,
      body: {
        metadata: { generateName: "p." },
        eventTime: new V1MicroTime(),
        reportingController: "sagemaker.gitops.io/operator",
        reportingInstance: "op-0",
        action: "Update",
        reason: "Updated",
        type: "Normal",
        note: "profile updated",
        regarding: {
          apiVersion: `${PROFILES.group}/${PROFILES.version}`,
          kind: "SageMakerUserProfile",
          name: "p",
          namespace: ns,
        },
      },
    });
    const coreEvents = await env.core.listNamespacedEvent({ namespace: ns, fieldSelector: "involvedObject.name=p" });
    expect(coreEvents.items).toHaveLength(1);
    expect(coreEvents.items[0]).toMatchObject({
      reason: "Updated",
      message: "profile updated",
      reportingComponent: "sagemaker.gitops.io/operator",
    });
    const bad = await failure(
      env.events.createNamespacedEvent({
        namespace: ns,
        body: { metadata: { name: "x" }, eventTime: new V1MicroTime() },
      }),
    );
    expect(bad.code).toBe(422);
    // metav1.MicroTime needs six fractional digits: a plain Date (toISOString, three digits) is refused like the real server does.
    const millis = await failure(
      env.coordination.createNamespacedLease({
        namespace: ns,
        body: { metadata: { name: "ms" }, spec: { renewTime: new Date() as V1MicroTime } },
      }),
    );
    expect(millis.code).toBe(400);
    expect(millis.message).toMatch(/parsing time ".*" as "2006-01-02T15:04:05.000000Z07:00"/);
    const micros = await env.coordination.createNamespacedLease({
      namespace: ns,
      body: { metadata: { name: "us" }, spec: { renewTime: new V1MicroTime() } },
    });
    expect(String(micros.spec?.renewTime)).toMatch(/\.\d{6}Z$/);
  });

  it("Secrets turn stringData into base64 data", async () => {
    const ns = await freshNamespace(env);
    const s = await env.core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: "s" }, stringData: { k: "v" } },
    });
    expect(s.data).toEqual({ k: Buffer.from("v").toString("base64") });
    expect(s.type).toBe("Opaque");
  });
});

describe("CRDs through the API", () => {
  it("serves a CRD created with POST, validates against its schema, and drops its resources when it is deleted", async () => {
    const ext = env.kc.makeApiClient(ApiextensionsV1Api);
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "widgets.example.com" },
      spec: {
        group: "example.com",
        names: { plural: "widgets", singular: "widget", kind: "Widget", shortNames: ["wd"] },
        scope: "Cluster",
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: "object",
                properties: { spec: { type: "object", properties: { size: { type: "integer", minimum: 1 } } } },
              },
            },
          },
        ],
      },
    };
    const created = await ext.createCustomResourceDefinition({ body: crd });
    expect(created.status?.conditions?.find((c) => c.type === "Established")?.status).toBe("True");
    const w = { group: "example.com", version: "v1", plural: "widgets" };
    await env.custom.createClusterCustomObject({
      ...w,
      body: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w1" }, spec: { size: 2 } },
    });
    const bad = await failure(
      env.custom.createClusterCustomObject({
        ...w,
        body: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w2" }, spec: { size: 0 } },
      }),
    );
    expect(bad.code).toBe(422);
    expect(bad.details?.causes?.[0]?.field).toBe("spec.size");

    await ext.deleteCustomResourceDefinition({ name: "widgets.example.com" });
    expect((await failure(env.custom.getClusterCustomObject({ ...w, name: "w1" }))).code).toBe(404);
  });
});
