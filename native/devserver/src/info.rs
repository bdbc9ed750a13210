//! Info commands (proto type 1, §2): what clients ask to discover and tend the cluster, plus
//! namespace and set statistics, truncate, and the secondary-index registry.
//!
//! A reply holds one `<command as received>\t<value>\n` line per command. Errors are values of the
//! form `ERROR:<code>:<message>`; the C client fails a whole multi-command request on any of them.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

use crate::cluster::{ClusterState, NodeIdentity};
use crate::faults;
use crate::store::{
    IndexCollection, IndexDefinition, IndexNameTaken, IndexValueType, Namespace,
    CITRUSLEAF_EPOCH_SECS, N_PARTITIONS,
};

/// The server version reported by `build`: the real server the dev server is compared with.
pub const BUILD: &str = "8.1.2.0";
const EDITION: &str = "Aerospike Community Edition";
const FEATURES: &str = "batch-any;batch-index;blob-bits;cdt-index;cdt-list;cdt-map;\
    cluster-stable;float;geo;sindex-exists;peers;pipelining;pquery;pscans;query-show;relaxed-sc;\
    replicas;replicas-all;replicas-master;replicas-max;truncate-namespace;udf";
/// Commands answered for an empty request, as the real server answers a bare connection probe.
const SUMMARY: [&str; 4] = ["node", "build", "version", "partition-generation"];

/// Answers an info request body with the reply body.
pub fn answer(request: &[u8], node: &NodeIdentity, cluster: &ClusterState) -> Vec<u8> {
    let text = String::from_utf8_lossy(request);
    let commands: Vec<&str> = text.split('\n').filter(|c| !c.is_empty()).collect();
    let commands = if commands.is_empty() {
        SUMMARY.to_vec()
    } else {
        commands
    };
    let mut out = String::new();
    for command in commands {
        let value = value_of(command, node, cluster);
        // A tab or newline inside a value would break both clients' line parsing.
        let value = value.replace(['\t', '\n'], " ");
        let _ = writeln!(out, "{command}\t{value}");
    }
    out.into_bytes()
}

/// `name:k1=v1;k2=v2` parameters.
fn params(command: &str) -> BTreeMap<&str, &str> {
    command
        .split_once(':')
        .map(|(_, rest)| rest)
        .unwrap_or_default()
        .split(';')
        .filter_map(|pair| pair.split_once('='))
        .collect()
}

fn error(code: u8, message: &str) -> String {
    format!("ERROR:{code}:{message}")
}

fn value_of(command: &str, node: &NodeIdentity, cluster: &ClusterState) -> String {
    let name_end = command.find([':', '/', ';']).unwrap_or(command.len());
    let name = &command[..name_end];
    let path: Vec<&str> = command.split('/').skip(1).collect();
    let store = &cluster.store;
    match name {
        "node" => node.id.clone(),
        "build" => BUILD.to_owned(),
        "version" => format!("{EDITION} build {BUILD}"),
        "edition" => EDITION.to_owned(),
        "release" => format!(
            "edition={EDITION};version={BUILD};os={};arch={};sha=devserver",
            std::env::consts::OS,
            std::env::consts::ARCH
        ),
        "cluster-name" => cluster.name.clone(),
        "status" => "ok".to_owned(),
        "features" => FEATURES.to_owned(),
        "partitions" => N_PARTITIONS.to_string(),
        "partition-generation" | "rebalance-generation" => {
            cluster.partition_generation().to_string()
        }
        "peers-generation" => cluster.peers_generation().to_string(),
        "peers-clear-std" | "peers-clear-alt" => peers(node, cluster),
        // TLS is an Enterprise feature.
        "peers-tls-std" | "peers-tls-alt" | "service-tls-std" | "service-tls-alt" => {
            error(25, "enterprise only")
        }
        "service-clear-std" | "service-clear-alt" => node.address.to_string(),
        "services" | "services-alumni" | "services-alternate" => String::new(),
        "replicas" => replicas(node, cluster, Replicas::WithRegime),
        "replicas-all" => replicas(node, cluster, Replicas::WithCount),
        "replicas-master" => replicas(node, cluster, Replicas::Bitmap),
        "cluster-stable" => cluster_stable(cluster, &params(command)),
        "rack-ids" => join(
            store
                .namespaces()
                .iter()
                .map(|ns| format!("{}:0", ns.name())),
        ),
        "user-agent-set" => "ok".to_owned(),
        "namespaces" => join(store.namespaces().iter().map(|ns| ns.name().to_owned())),
        "namespace" => match path.first().and_then(|n| store.namespace(n.as_bytes())) {
            Some(ns) => namespace_stats(ns, cluster),
            None => "type=unknown".to_owned(),
        },
        "sets" => sets(cluster, path.first().copied(), path.get(1).copied()),
        "statistics" => statistics(cluster),
        "truncate" => truncate(cluster, &params(command), Truncate::Set),
        "truncate-namespace" => truncate(cluster, &params(command), Truncate::Namespace),
        // Truncates finish before their reply, so there is never one left to undo.
        "truncate-undo" => truncate(cluster, &params(command), Truncate::Undo),
        "sindex-create" => sindex_create(cluster, &params(command)),
        "sindex-delete" => sindex_delete(cluster, &params(command)),
        "sindex-exists" => sindex_exists(cluster, &params(command)),
        "sindex-list" => sindex_list(cluster, params(command).get("namespace").copied()),
        "sindex" if path.len() < 2 => sindex_list(cluster, path.first().copied()),
        "sindex-stat" => {
            let p = params(command);
            sindex_stat(
                node,
                cluster,
                p.get("namespace").copied(),
                p.get("indexname").copied(),
            )
        }
        "sindex" => sindex_stat(node, cluster, path.first().copied(), path.get(1).copied()),
        "query-show" => query_show(cluster, &params(command)),
        "udf-put" => store.udfs.put(&params(command)),
        "udf-remove" => store.udfs.remove(&params(command)),
        "udf-list" => store.udfs.list(),
        "udf-get" => store.udfs.get(&params(command)),
        "set-config" => set_config(cluster, &params(command)),
        faults::INFO_COMMAND => match cluster.faults.apply_info(&node.id, &params(command)) {
            Ok(()) => "ok".to_owned(),
            Err(message) => error(4, &message),
        },
        _ => error(4, "unrecognized command"),
    }
}

/// `set-config:context=service;proto-fd-idle-ms=<ms>`, the one dynamic setting served: after
/// how long between requests a node closes a client connection (0: never).
fn set_config(cluster: &ClusterState, params: &BTreeMap<&str, &str>) -> String {
    let idle_ms = match (params.get("context"), params.get("proto-fd-idle-ms")) {
        (Some(&"service"), Some(ms)) if params.len() == 2 => ms,
        _ => return error(4, "only context=service;proto-fd-idle-ms=<ms> can be set"),
    };
    match idle_ms.parse() {
        Ok(ms) => {
            cluster.proto_fd_idle_ms.send_replace(ms);
            "ok".to_owned()
        }
        Err(_) => error(
            4,
            &format!("proto-fd-idle-ms must be milliseconds, got {idle_ms:?}"),
        ),
    }
}

fn join(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(";")
}

/// `<generation>,<default port>,[<peer>,...]`, each peer `[<node id>,,[<host:port>]]`.
fn peers(node: &NodeIdentity, cluster: &ClusterState) -> String {
    let others: Vec<String> = cluster
        .nodes()
        .iter()
        .filter(|peer| peer.id != node.id)
        .map(|peer| format!("[{},,[{}]]", peer.id, peer.address))
        .collect();
    format!(
        "{},{},[{}]",
        cluster.peers_generation(),
        node.address.port(),
        others.join(",")
    )
}

/// The key of the cluster's current membership (12 hex digits, as the server prints it), when it
/// has the `size=` asked for.
fn cluster_stable(cluster: &ClusterState, params: &BTreeMap<&str, &str>) -> String {
    let nodes = cluster.nodes();
    if params
        .get("size")
        .is_some_and(|size| size.parse() != Ok(nodes.len()))
    {
        return error(7, "cluster not specified size");
    }
    // FNV-1a over the node ids and the membership generation.
    let mut key = 0xcbf2_9ce4_8422_2325u64;
    let generation = cluster.peers_generation().to_be_bytes();
    for byte in nodes.iter().flat_map(|n| n.id.bytes()).chain(generation) {
        key = (key ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3);
    }
    format!("{:012X}", key & 0xFFFF_FFFF_FFFF)
}

/// The three forms of the partition map a node answers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Replicas {
    /// `replicas`: `<ns>:<regime>,<replica count>,<bitmap>`.
    WithRegime,
    /// `replicas-all`: `<ns>:<replica count>,<bitmap>`.
    WithCount,
    /// `replicas-master`: `<ns>:<bitmap>`.
    Bitmap,
}

/// The base64 bitmap of the partitions this node owns, per namespace.
fn replicas(node: &NodeIdentity, cluster: &ClusterState, form: Replicas) -> String {
    let mut bitmap = [0u8; N_PARTITIONS / 8];
    for pid in cluster.partitions_of(&node.id) {
        bitmap[pid >> 3] |= 0x80 >> (pid & 7);
    }
    let encoded = BASE64.encode(bitmap);
    join(cluster.store.namespaces().iter().map(|ns| match form {
        Replicas::WithRegime => format!("{}:0,1,{encoded}", ns.name()),
        Replicas::WithCount => format!("{}:1,{encoded}", ns.name()),
        Replicas::Bitmap => format!("{}:{encoded}", ns.name()),
    }))
}

fn namespace_stats(ns: &Namespace, cluster: &ClusterState) -> String {
    let now = cluster.store.clock.now_void_secs();
    let objects: usize = ns.set_stats(now).values().map(|(n, _)| n).sum();
    let limit = ns.config.memory_limit.unwrap_or(0);
    format!(
        "ns_cluster_size={};objects={objects};tombstones=0;data_used_bytes={};\
         replication-factor=1;default-ttl={};max-record-size={};storage-engine=memory;\
         data-size={limit};nsup-period=120;strong-consistency=false;stop_writes=false",
        cluster.nodes().len(),
        ns.memory_used(),
        ns.config.default_ttl,
        ns.config.max_record_size,
    )
}

/// `sets`, `sets/<ns>` and `sets/<ns>/<set>`; the last names neither namespace nor set.
fn sets(cluster: &ClusterState, only_ns: Option<&str>, only_set: Option<&str>) -> String {
    if only_ns.is_some_and(|n| cluster.store.namespace(n.as_bytes()).is_none()) {
        return "ns_type=unknown".to_owned();
    }
    let now = cluster.store.clock.now_void_secs();
    let mut out = String::new();
    for ns in cluster.store.namespaces() {
        if only_ns.is_some_and(|n| n != ns.name()) {
            continue;
        }
        for (set, (objects, bytes)) in ns.set_stats(now) {
            if set.is_empty() || only_set.is_some_and(|s| s.as_bytes() != set) {
                continue;
            }
            let sindexes = ns
                .indexes()
                .iter()
                .filter(|index| index.set.as_ref() == Some(&set))
                .count();
            if only_set.is_none() {
                let _ = write!(
                    out,
                    "ns={}:set={}:",
                    ns.name(),
                    String::from_utf8_lossy(&set)
                );
            }
            let _ = write!(
                out,
                "objects={objects}:tombstones=0:data_used_bytes={bytes}:truncate_lut=0:\
                 sindexes={sindexes}:index_populating=false:truncating=false:\
                 default-read-touch-ttl-pct=0:default-ttl={}:disable-eviction=false:\
                 enable-index=false:stop-writes-count=0:stop-writes-size=0;",
                ns.config.default_ttl
            );
        }
    }
    out
}

fn statistics(cluster: &ClusterState) -> String {
    let now = cluster.store.clock.now_void_secs();
    let objects: usize = cluster
        .store
        .namespaces()
        .iter()
        .map(|ns| ns.set_stats(now).values().map(|(n, _)| n).sum::<usize>())
        .sum();
    format!(
        "cluster_size={};cluster_integrity=true;objects={objects};uptime=0",
        cluster.nodes().len()
    )
}

/// The three truncate commands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Truncate {
    Set,
    Namespace,
    Undo,
}

/// `truncate:namespace=N;set=S[;lut=ns]` / `truncate-namespace:namespace=N[;lut=ns]`: deletes
/// the records last updated before `lut` (before now when absent). An unknown namespace is
/// `ok`, as on a real node, which hands the command to the cluster's metadata.
fn truncate(cluster: &ClusterState, params: &BTreeMap<&str, &str>, command: Truncate) -> String {
    let Some(ns_name) = params.get("namespace") else {
        return error(20, "missing 'namespace'");
    };
    let set = match (command, params.get("set")) {
        (Truncate::Namespace, Some(_)) => return error(4, "unexpected set name"),
        (Truncate::Namespace, None) => None,
        (_, Some(set)) if !set.is_empty() => Some(set.as_bytes()),
        (_, Some(_)) => return error(4, "missing 'set' value"),
        (_, None) => return error(4, "missing 'set'"),
    };
    let now = cluster.store.clock.now_ns();
    let before = match params.get("lut") {
        None => now,
        Some(lut) => match truncate_cutoff(lut, now) {
            Ok(before) => before,
            Err(message) => return error(4, message),
        },
    };
    if let (Some(ns), Truncate::Set | Truncate::Namespace) =
        (cluster.store.namespace(ns_name.as_bytes()), command)
    {
        ns.truncate(set, before);
    }
    "ok".to_owned()
}

/// A `lut` in nanoseconds since the Unix epoch, read as the server reads it: digits up to the
/// first other character (saturating), in whole milliseconds after the Citrusleaf epoch.
fn truncate_cutoff(lut: &str, now_ns: u64) -> Result<u64, &'static str> {
    let lut = lut
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0u64, |n, d| {
            n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
        });
    if lut / 1_000_000 <= CITRUSLEAF_EPOCH_SECS * 1000 {
        Err("would truncate to 0")
    } else if lut > now_ns {
        Err("would truncate in the future")
    } else {
        Ok(lut)
    }
}

fn parse_value_type(text: &str) -> Option<IndexValueType> {
    match text.to_ascii_uppercase().as_str() {
        "NUMERIC" | "INTEGER" => Some(IndexValueType::Numeric),
        "STRING" => Some(IndexValueType::String),
        "BLOB" => Some(IndexValueType::Blob),
        "GEO2DSPHERE" => Some(IndexValueType::Geo2dSphere),
        _ => None,
    }
}

fn value_type_name(value_type: IndexValueType) -> &'static str {
    match value_type {
        IndexValueType::Numeric => "numeric",
        IndexValueType::String => "string",
        IndexValueType::Blob => "blob",
        IndexValueType::Geo2dSphere => "geo2dsphere",
    }
}

fn parse_collection(text: Option<&str>) -> Option<IndexCollection> {
    match text.map(str::to_ascii_uppercase).as_deref() {
        None | Some("DEFAULT") => Some(IndexCollection::Default),
        Some("LIST") => Some(IndexCollection::List),
        Some("MAPKEYS") => Some(IndexCollection::MapKeys),
        Some("MAPVALUES") => Some(IndexCollection::MapValues),
        Some(_) => None,
    }
}

fn collection_name(collection: IndexCollection) -> &'static str {
    match collection {
        IndexCollection::Default => "default",
        IndexCollection::List => "list",
        IndexCollection::MapKeys => "mapkeys",
        IndexCollection::MapValues => "mapvalues",
    }
}

/// The namespace named by `namespace=` (8.1 form) or `ns=` (older form); `None` when this node
/// does not have it, which index creation and removal accept.
fn index_namespace<'c>(
    cluster: &'c ClusterState,
    params: &BTreeMap<&str, &str>,
) -> Result<Option<&'c Namespace>, String> {
    let name = params
        .get("namespace")
        .or_else(|| params.get("ns"))
        .ok_or_else(|| error(20, "missing 'namespace'"))?;
    Ok(cluster.store.namespace(name.as_bytes()))
}

/// What the server answers commands about a namespace it does not have.
fn namespace_not_found() -> String {
    error(20, "namespace not found on node")
}

fn sindex_create(cluster: &ClusterState, params: &BTreeMap<&str, &str>) -> String {
    let ns = match index_namespace(cluster, params) {
        Ok(ns) => ns,
        Err(e) => return e,
    };
    let Some(name) = params.get("indexname").filter(|n| !n.is_empty()) else {
        return error(4, "missing 'indexname'");
    };
    // 8.1: `bin=B;type=T`; older servers: `indexdata=B,T`.
    let (bin, value_type) = match (
        params.get("bin"),
        params.get("type"),
        params.get("indexdata"),
    ) {
        (bin, Some(t), _) => (bin.copied(), *t),
        (_, None, Some(data)) => match data.split_once(',') {
            Some((bin, t)) => (Some(bin), t),
            None => return error(4, "bad 'indexdata'"),
        },
        _ => return error(4, "both 'indexdata' and 'type' are missing"),
    };
    let expression = params.get("exp").map(|e| (*e).to_owned());
    if bin.is_none() && expression.is_none() {
        return error(4, "both 'bin' and 'exp' are missing");
    }
    let Some(value_type) = parse_value_type(value_type) else {
        return error(
            4,
            "bad 'type' - must be one of 'numeric', 'string', 'blob', 'geo2dsphere'",
        );
    };
    let Some(collection) = parse_collection(params.get("indextype").copied()) else {
        return error(
            4,
            "bad 'indextype' - must be one of 'default', 'list', 'mapkeys', 'mapvalues'",
        );
    };
    let Some(ns) = ns else {
        return "ok".to_owned();
    };
    let definition = IndexDefinition {
        name: (*name).to_owned(),
        set: params
            .get("set")
            .filter(|s| !s.is_empty())
            .map(|s| s.as_bytes().to_vec()),
        bin: bin.map(|b| b.as_bytes().to_vec()),
        value_type,
        collection,
        context: params.get("context").map(|c| (*c).to_owned()),
        expression,
    };
    match ns.indexes().create(definition) {
        Ok(()) => "ok".to_owned(),
        Err(IndexNameTaken) => error(200, "'indexname' already exists with different definition"),
    }
}

/// Removing an index that does not exist is `ok`. Without a name the server answers its error
/// and then `ok` in one value, which clients read as the error.
fn sindex_delete(cluster: &ClusterState, params: &BTreeMap<&str, &str>) -> String {
    let ns = match index_namespace(cluster, params) {
        Ok(ns) => ns,
        Err(e) => return e,
    };
    let Some(name) = params.get("indexname") else {
        return error(4, "missing 'indexname'ok");
    };
    if let Some(ns) = ns {
        ns.indexes().remove(name);
    }
    "ok".to_owned()
}

fn sindex_exists(cluster: &ClusterState, params: &BTreeMap<&str, &str>) -> String {
    let ns = match index_namespace(cluster, params) {
        Ok(Some(ns)) => ns,
        Ok(None) => return namespace_not_found(),
        Err(e) => return e,
    };
    match params.get("indexname") {
        Some(name) => ns.indexes().get(name).is_some().to_string(),
        None => error(4, "missing 'indexname'false"),
    }
}

fn sindex_list(cluster: &ClusterState, only_ns: Option<&str>) -> String {
    if only_ns.is_some_and(|n| cluster.store.namespace(n.as_bytes()).is_none()) {
        // The server reports the missing namespace once per listing format it knows.
        return [namespace_not_found(), namespace_not_found()].join(";");
    }
    let mut entries = Vec::new();
    for ns in cluster.store.namespaces() {
        if only_ns.is_some_and(|n| n != ns.name()) {
            continue;
        }
        for index in ns.indexes().iter() {
            let text = |bytes: &Option<Vec<u8>>| {
                bytes.as_ref().map_or("null".to_owned(), |b| {
                    String::from_utf8_lossy(b).into_owned()
                })
            };
            entries.push(format!(
                "ns={}:indexname={}:set={}:bin={}:type={}:indextype={}:context={}:exp={}:state=RW",
                ns.name(),
                index.name,
                text(&index.set),
                text(&index.bin),
                value_type_name(index.value_type),
                collection_name(index.collection),
                index.context.as_deref().unwrap_or("null"),
                index.expression.as_deref().unwrap_or("null"),
            ));
        }
    }
    entries.join(";")
}

/// Index statistics; clients wait for `load_pct=100` (0 while the `index_building` fault holds
/// on this node). Entries count the records of the index's set whose bin holds a value of the
/// index's type.
fn sindex_stat(
    node: &NodeIdentity,
    cluster: &ClusterState,
    ns: Option<&str>,
    index_name: Option<&str>,
) -> String {
    let Some(ns) = ns.and_then(|n| cluster.store.namespace(n.as_bytes())) else {
        return namespace_not_found();
    };
    let Some(index_name) = index_name else {
        return format!("{}{}", error(4, "missing 'indexname'"), no_index());
    };
    let Some(index) = ns.indexes().get(index_name).cloned() else {
        return no_index();
    };
    let now = cluster.store.clock.now_void_secs();
    let mut entries = 0usize;
    for pid in 0..N_PARTITIONS {
        ns.for_each_live(pid, None, now, |_, record| {
            let in_set = index.set.as_ref().is_none_or(|s| *s == record.set_name);
            let value = index.bin.as_ref().and_then(|b| record.bin(b));
            let matches = value.is_some_and(|v| {
                matches!(
                    (index.value_type, v.particle_type()),
                    (IndexValueType::Numeric, 1)
                        | (IndexValueType::String, 3)
                        | (IndexValueType::Blob, 4)
                        | (IndexValueType::Geo2dSphere, 23)
                )
            });
            if in_set && matches {
                entries += 1;
            }
            true
        });
    }
    let load_pct = if cluster.faults.index_building(&node.id) {
        0
    } else {
        100
    };
    format!(
        "entries={entries};used_bytes=0;entries_per_bval=1;entries_per_rec=1;\
         load_pct={load_pct};load_time=0;stat_gc_recs=0"
    )
}

fn no_index() -> String {
    error(201, "no index")
}

/// `query-show:id=<n>` (or `trid=`): background jobs finish before their reply is sent.
fn query_show(cluster: &ClusterState, params: &BTreeMap<&str, &str>) -> String {
    let id = match params.get("id").or_else(|| params.get("trid")) {
        Some(id) => match id.parse::<u64>() {
            Ok(id) => Some(id),
            Err(_) => return error(4, "bad id"),
        },
        None => None,
    };
    match id.and_then(|id| cluster.store.job(id).map(|job| (id, job))) {
        Some((id, job)) => {
            let set = job.set.map(|s| format!(":set={s}")).unwrap_or_default();
            format!(
                "trid={id}:ns={}{set}:status=done(ok):job-progress=100.00:\
                 recs-succeeded={}:recs-failed={}",
                job.namespace, job.records_succeeded, job.records_failed
            )
        }
        None => error(2, "job not found"),
    }
}
