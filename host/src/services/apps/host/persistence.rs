//! `persistence`: the calling app's own key-value store ([`crate::services::app_storage`]).

use async_trait::async_trait;
use orbit_apps::bindings::{Association, AssociationKind, StoredEntry};
use orbit_apps::capabilities::PersistenceHost;
use orbit_apps::{CallContext, HostResult};

use super::ServerHost;
use crate::store::AppDatum;

fn kind_name(kind: AssociationKind) -> &'static str {
    match kind {
        AssociationKind::Room => "room",
        AssociationKind::User => "user",
        AssociationKind::Message => "message",
        AssociationKind::Misc => "misc",
    }
}

fn kind_of(name: &str) -> AssociationKind {
    match name {
        "room" => AssociationKind::Room,
        "user" => AssociationKind::User,
        "message" => AssociationKind::Message,
        _ => AssociationKind::Misc,
    }
}

fn pairs(associations: Vec<Association>) -> Vec<(String, String)> {
    associations.into_iter().map(|a| (kind_name(a.kind).to_string(), a.id)).collect()
}

fn entry(d: AppDatum) -> StoredEntry {
    StoredEntry {
        key: d.key,
        value: d.value,
        associations: d.associations.into_iter().map(|(kind, id)| Association { kind: kind_of(&kind), id }).collect(),
        version: d.version,
        expires_at: d.expires_at.map(|t| t.max(0) as u64),
    }
}

#[async_trait]
impl PersistenceHost for ServerHost {
    async fn get(&self, cx: &CallContext, key: String) -> HostResult<Option<StoredEntry>> {
        let app = cx.app_id.clone();
        self.run(move |s| Ok(s.app_storage().get(&app, &key)?.map(entry))).await
    }

    async fn set(
        &self,
        cx: &CallContext,
        key: String,
        value: String,
        associations: Vec<Association>,
        ttl_ms: Option<u64>,
    ) -> HostResult<u64> {
        let app = cx.app_id.clone();
        let written = self.run(move |s| s.app_storage().put(&app, key, value, pairs(associations), ttl_ms, None));
        // Without a condition a write always happens.
        written.await.map(|v| v.unwrap_or_default())
    }

    async fn compare_and_set(
        &self,
        cx: &CallContext,
        key: String,
        expected: u64,
        value: String,
        associations: Vec<Association>,
        ttl_ms: Option<u64>,
    ) -> HostResult<Option<u64>> {
        let app = cx.app_id.clone();
        self.run(move |s| s.app_storage().put(&app, key, value, pairs(associations), ttl_ms, Some(expected))).await
    }

    async fn remove(&self, cx: &CallContext, key: String) -> HostResult<bool> {
        let app = cx.app_id.clone();
        self.run(move |s| s.app_storage().remove(&app, &key)).await
    }

    async fn find(&self, cx: &CallContext, associations: Vec<Association>, limit: u32) -> HostResult<Vec<StoredEntry>> {
        let app = cx.app_id.clone();
        self.run(move |s| {
            Ok(s.app_storage().find(&app, &pairs(associations), limit as usize)?.into_iter().map(entry).collect())
        })
        .await
    }

    async fn remove_by_association(&self, cx: &CallContext, associations: Vec<Association>) -> HostResult<u32> {
        let app = cx.app_id.clone();
        self.run(move |s| Ok(s.app_storage().remove_by_association(&app, &pairs(associations))? as u32)).await
    }
}
