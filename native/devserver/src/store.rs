//! The record store: namespaces of 4096 partitions, each an ordered map from digest to record,
//! with generations, void times (lazy expiry), last-update times, stored keys, size and memory
//! limits, truncation, and a clock tests can move forward.
//!
//! One store is shared by every node of a cluster, so a node that does not own a partition can
//! still serve it, as a real server proxies.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::value::Value;

pub const N_PARTITIONS: usize = 4096;
/// Seconds from the Unix epoch to the Citrusleaf epoch (2010-01-01T00:00:00Z), in which void
/// times are counted.
pub const CITRUSLEAF_EPOCH_SECS: u64 = 1_262_304_000;
/// Longest TTL a write may ask for (10 years).
pub const MAX_TTL_SECS: u32 = 315_360_000;

pub type Digest = [u8; 20];

/// The partition a digest belongs to (its first two bytes, little-endian, modulo 4096).
pub fn partition_id(digest: &Digest) -> usize {
    usize::from(u16::from_le_bytes([digest[0], digest[1]]) & 0x0FFF)
}

/// Wall-clock time plus an offset that tests advance to make records expire.
#[derive(Debug, Default)]
pub struct Clock {
    offset_ns: AtomicU64,
}

impl Clock {
    /// Nanoseconds since the Unix epoch.
    pub fn now_ns(&self) -> u64 {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        wall.saturating_add(self.offset_ns.load(Ordering::Relaxed))
    }

    /// Seconds since the Citrusleaf epoch: the unit of void times.
    pub fn now_void_secs(&self) -> u32 {
        void_secs(self.now_ns())
    }

    /// Moves the server clock forward (it never goes back).
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        self.offset_ns.fetch_add(by, Ordering::Relaxed);
    }
}

/// Converts nanoseconds since the Unix epoch to seconds since the Citrusleaf epoch.
pub fn void_secs(unix_ns: u64) -> u32 {
    let secs = (unix_ns / 1_000_000_000).saturating_sub(CITRUSLEAF_EPOCH_SECS);
    u32::try_from(secs).unwrap_or(u32::MAX)
}

/// A user key as the client sent it in the KEY field: the raw field (particle type and bytes,
/// echoed verbatim in scans and compared for key mismatches) and its decoded value.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredKey {
    pub raw: Vec<u8>,
    pub value: Value,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Record {
    /// Bins in the order they were first written.
    pub bins: Vec<(Vec<u8>, Value)>,
    pub generation: u16,
    /// Seconds since the Citrusleaf epoch; 0 = never expires.
    pub void_time: u32,
    /// Nanoseconds since the Unix epoch.
    pub last_update_ns: u64,
    /// Empty when the record has no set.
    pub set_name: Vec<u8>,
    pub key: Option<StoredKey>,
}

impl Record {
    pub fn bin(&self, name: &[u8]) -> Option<&Value> {
        self.bins.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// Sets a bin, keeping its position if it exists.
    pub fn set_bin(&mut self, name: &[u8], value: Value) {
        match self.bins.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => self.bins.push((name.to_vec(), value)),
        }
    }

    pub fn remove_bin(&mut self, name: &[u8]) {
        self.bins.retain(|(n, _)| n != name);
    }

    pub fn is_expired(&self, now_void_secs: u32) -> bool {
        self.void_time != 0 && self.void_time <= now_void_secs
    }

    /// Size of the record as stored: a fixed header, set name, key and every bin (name, type
    /// byte and particle). Record-size limits and memory accounting use it.
    pub fn size(&self) -> usize {
        const RECORD_OVERHEAD: usize = 16;
        let key = self.key.as_ref().map_or(0, |k| k.raw.len());
        let bins: usize = self
            .bins
            .iter()
            .map(|(name, value)| 2 + name.len() + value.stored_size())
            .sum();
        RECORD_OVERHEAD + self.set_name.len() + key + bins
    }
}

/// A live record seen by a command, with the context expressions need. devdata's
/// `exp::RecordView` is implemented for it.
#[derive(Clone, Copy, Debug)]
pub struct LiveRecord<'a> {
    pub digest: &'a Digest,
    pub record: &'a Record,
    pub now_ns: u64,
}

impl<'a> LiveRecord<'a> {
    pub fn bin(&self, name: &[u8]) -> Option<&'a Value> {
        self.record.bin(name)
    }

    pub fn user_key(&self) -> Option<&'a Value> {
        self.record.key.as_ref().map(|k| &k.value)
    }

    pub fn digest(&self) -> &'a Digest {
        self.digest
    }

    pub fn set_name(&self) -> &'a [u8] {
        &self.record.set_name
    }

    pub fn void_time(&self) -> u32 {
        self.record.void_time
    }

    pub fn last_update_ns(&self) -> u64 {
        self.record.last_update_ns
    }

    pub fn now_ns(&self) -> u64 {
        self.now_ns
    }

    pub fn record_size(&self) -> usize {
        self.record.size()
    }
}

/// Per-namespace settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamespaceConfig {
    pub name: String,
    /// TTL in seconds applied when a write asks for the default (0 = never expire).
    pub default_ttl: u32,
    /// Largest record accepted (`RECORD_TOO_BIG` above it); the real default is 1 MiB.
    pub max_record_size: usize,
    /// Bytes of records the namespace may hold before writes fail with `OUT_OF_SPACE`;
    /// `None` = unbounded.
    pub memory_limit: Option<usize>,
}

impl NamespaceConfig {
    pub fn new(name: impl Into<String>) -> NamespaceConfig {
        NamespaceConfig {
            name: name.into(),
            default_ttl: 0,
            max_record_size: 1024 * 1024,
            memory_limit: None,
        }
    }
}

/// The records of one partition, ordered by digest (`memcmp` order, as the server iterates).
pub type Partition = BTreeMap<Digest, Record>;

/// Secondary-index value types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexValueType {
    Numeric,
    String,
    Blob,
    Geo2dSphere,
}

/// Which part of a collection bin an index covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexCollection {
    Default,
    List,
    MapKeys,
    MapValues,
}

/// A registered secondary index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexDefinition {
    pub name: String,
    pub set: Option<Vec<u8>>,
    /// `None` for an expression index.
    pub bin: Option<Vec<u8>>,
    pub value_type: IndexValueType,
    pub collection: IndexCollection,
    /// Base64 text of the CDT context, as given.
    pub context: Option<String>,
    /// Base64 text of the index expression, as given.
    pub expression: Option<String>,
}

impl IndexDefinition {
    /// Whether both index the same values (the name aside).
    fn same_as(&self, other: &IndexDefinition) -> bool {
        IndexDefinition {
            name: other.name.clone(),
            ..self.clone()
        } == *other
    }
}

/// An index name already taken by another definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexNameTaken;

/// The secondary indexes of a namespace, in creation order (as `sindex-list` lists them).
#[derive(Debug, Default)]
pub struct Indexes(Vec<IndexDefinition>);

impl Indexes {
    pub fn get(&self, name: &str) -> Option<&IndexDefinition> {
        self.0.iter().find(|index| index.name == name)
    }

    pub fn iter(&self) -> impl Iterator<Item = &IndexDefinition> {
        self.0.iter()
    }

    /// Registers an index. The server keys indexes by definition: defining an existing one
    /// under a new name renames it in place.
    pub fn create(&mut self, definition: IndexDefinition) -> Result<(), IndexNameTaken> {
        if let Some(named) = self.get(&definition.name) {
            return if named.same_as(&definition) {
                Ok(())
            } else {
                Err(IndexNameTaken)
            };
        }
        match self.0.iter_mut().find(|index| index.same_as(&definition)) {
            Some(same) => same.name = definition.name,
            None => self.0.push(definition),
        }
        Ok(())
    }

    /// Removes the index called `name`; whether there was one.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.0.len();
        self.0.retain(|index| index.name != name);
        self.0.len() != before
    }
}

pub struct Namespace {
    pub config: NamespaceConfig,
    partitions: Box<[Mutex<Partition>]>,
    memory_used: AtomicUsize,
    indexes: Mutex<Indexes>,
}

impl Namespace {
    pub fn new(config: NamespaceConfig) -> Namespace {
        Namespace {
            config,
            partitions: (0..N_PARTITIONS)
                .map(|_| Mutex::new(Partition::new()))
                .collect(),
            memory_used: AtomicUsize::new(0),
            indexes: Mutex::new(Indexes::default()),
        }
    }

    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// Locks one partition. A command holds the lock for its whole read-modify-write, which
    /// makes each single-record command atomic.
    pub fn partition(&self, pid: usize) -> MutexGuard<'_, Partition> {
        lock(&self.partitions[pid % N_PARTITIONS])
    }

    /// Bytes held by live records.
    pub fn memory_used(&self) -> usize {
        self.memory_used.load(Ordering::Relaxed)
    }

    /// Adjusts memory accounting after a record of `old` bytes became `new` bytes.
    pub fn account(&self, old: usize, new: usize) {
        if new >= old {
            self.memory_used.fetch_add(new - old, Ordering::Relaxed);
        } else {
            self.memory_used.fetch_sub(old - new, Ordering::Relaxed);
        }
    }

    /// Whether growing by `extra` bytes would pass the memory limit (stop-writes).
    pub fn would_exceed_memory(&self, extra: usize) -> bool {
        self.config
            .memory_limit
            .is_some_and(|limit| self.memory_used().saturating_add(extra) > limit)
    }

    /// The live record at `digest`, removing it first if it has expired.
    pub fn live<'p>(
        &self,
        partition: &'p mut Partition,
        digest: &Digest,
        now_void_secs: u32,
    ) -> Option<&'p mut Record> {
        if partition
            .get(digest)
            .is_some_and(|r| r.is_expired(now_void_secs))
        {
            self.remove(partition, digest);
        }
        partition.get_mut(digest)
    }

    /// Removes a record and releases its memory.
    pub fn remove(&self, partition: &mut Partition, digest: &Digest) -> Option<Record> {
        let removed = partition.remove(digest)?;
        self.account(removed.size(), 0);
        Some(removed)
    }

    /// Calls `visit` for the live records of partition `pid` in descending digest order, starting
    /// strictly below `before` when given (how scans resume), until it returns `false`.
    pub fn for_each_live(
        &self,
        pid: usize,
        before: Option<&Digest>,
        now_void_secs: u32,
        mut visit: impl FnMut(&Digest, &Record) -> bool,
    ) {
        let partition = self.partition(pid);
        let upper = before.map_or(Bound::Unbounded, Bound::Excluded);
        for (digest, record) in partition
            .range::<Digest, _>((Bound::Unbounded, upper))
            .rev()
        {
            if !record.is_expired(now_void_secs) && !visit(digest, record) {
                break;
            }
        }
    }

    /// Deletes the records of `set` (every set when `None`) last updated before `before_ns`;
    /// returns how many were deleted. The server keeps last-update times in milliseconds, so a
    /// record written in the cutoff's millisecond survives.
    pub fn truncate(&self, set: Option<&[u8]>, before_ns: u64) -> usize {
        let before_ms = before_ns / 1_000_000;
        let mut deleted = 0;
        for pid in 0..N_PARTITIONS {
            let mut partition = self.partition(pid);
            let doomed: Vec<Digest> = partition
                .iter()
                .filter(|(_, r)| {
                    r.last_update_ns / 1_000_000 < before_ms && set.is_none_or(|s| r.set_name == s)
                })
                .map(|(d, _)| *d)
                .collect();
            for digest in &doomed {
                self.remove(&mut partition, digest);
            }
            deleted += doomed.len();
        }
        deleted
    }

    /// Live record counts and bytes per set name (the empty name = records without a set).
    pub fn set_stats(&self, now_void_secs: u32) -> BTreeMap<Vec<u8>, (usize, usize)> {
        let mut stats: BTreeMap<Vec<u8>, (usize, usize)> = BTreeMap::new();
        for pid in 0..N_PARTITIONS {
            self.for_each_live(pid, None, now_void_secs, |_, record| {
                let entry = stats.entry(record.set_name.clone()).or_default();
                entry.0 += 1;
                entry.1 += record.size();
                true
            });
        }
        stats
    }

    /// The registered secondary indexes.
    pub fn indexes(&self) -> MutexGuard<'_, Indexes> {
        lock(&self.indexes)
    }
}

/// Every namespace of a cluster, the server clock, and the background-job registry.
pub struct Store {
    namespaces: Vec<Namespace>,
    pub clock: Clock,
    jobs: Mutex<BTreeMap<u64, Job>>,
    /// The registered UDF modules (cluster-wide, like the records).
    pub udfs: crate::udf::Registry,
}

/// A finished background job (`query-show` reports it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub namespace: String,
    pub set: Option<String>,
    pub records_succeeded: u64,
    pub records_failed: u64,
}

impl Store {
    pub fn new(namespaces: impl IntoIterator<Item = NamespaceConfig>) -> Store {
        Store {
            namespaces: namespaces.into_iter().map(Namespace::new).collect(),
            clock: Clock::default(),
            jobs: Mutex::new(BTreeMap::new()),
            udfs: crate::udf::Registry::default(),
        }
    }

    pub fn namespace(&self, name: &[u8]) -> Option<&Namespace> {
        self.namespaces
            .iter()
            .find(|ns| ns.name().as_bytes() == name)
    }

    pub fn namespaces(&self) -> &[Namespace] {
        &self.namespaces
    }

    /// Records a finished background job under its task id.
    pub fn finish_job(&self, id: u64, job: Job) {
        lock(&self.jobs).insert(id, job);
    }

    pub fn job(&self, id: u64) -> Option<Job> {
        lock(&self.jobs).get(&id).cloned()
    }
}

/// Locks a mutex. Commands never panic while holding one, but if a bug ever did, the data is
/// still consistent per record, so serving it beats failing every later command.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(set: &[u8], last_update_ns: u64) -> Record {
        Record {
            bins: vec![(b"a".to_vec(), Value::Int(1))],
            generation: 1,
            last_update_ns,
            set_name: set.to_vec(),
            ..Record::default()
        }
    }

    fn insert(ns: &Namespace, digest: Digest, rec: Record) {
        ns.account(0, rec.size());
        ns.partition(partition_id(&digest)).insert(digest, rec);
    }

    #[test]
    fn partition_id_matches_the_spec_vector() {
        let mut digest = [0u8; 20];
        digest[..2].copy_from_slice(&[0xec, 0x91]);
        assert_eq!(partition_id(&digest), 492);
    }

    #[test]
    fn expired_records_vanish_on_access() {
        let ns = Namespace::new(NamespaceConfig::new("test"));
        let digest = [1u8; 20];
        insert(
            &ns,
            digest,
            Record {
                void_time: 100,
                ..record(b"", 0)
            },
        );
        let pid = partition_id(&digest);
        assert!(ns.live(&mut ns.partition(pid), &digest, 99).is_some());
        assert!(ns.live(&mut ns.partition(pid), &digest, 100).is_none());
        assert!(ns.partition(pid).is_empty());
        assert_eq!(ns.memory_used(), 0);
    }

    #[test]
    fn iteration_is_descending_and_resumes_below_the_digest() {
        let ns = Namespace::new(NamespaceConfig::new("test"));
        let digests: Vec<Digest> = (1..=3u8)
            .map(|i| {
                let mut d = [0u8; 20];
                d[19] = i;
                d
            })
            .collect();
        for d in &digests {
            insert(&ns, *d, record(b"", 0));
        }
        let mut seen = Vec::new();
        ns.for_each_live(0, Some(&digests[2]), 0, |d, _| {
            seen.push(d[19]);
            true
        });
        assert_eq!(seen, [2, 1]);
    }

    #[test]
    fn truncate_honours_set_and_last_update() {
        let ns = Namespace::new(NamespaceConfig::new("test"));
        const MS: u64 = 1_000_000;
        insert(&ns, [1; 20], record(b"a", 10 * MS));
        insert(&ns, [2; 20], record(b"a", 30 * MS));
        insert(&ns, [3; 20], record(b"b", 10 * MS));
        insert(&ns, [4; 20], record(b"a", 20 * MS));
        assert_eq!(
            ns.truncate(Some(b"a"), 20 * MS + 999),
            1,
            "same millisecond survives"
        );
        assert_eq!(ns.truncate(None, 100 * MS), 3);
        assert_eq!(ns.memory_used(), 0);
    }

    fn index(name: &str, bin: &str) -> IndexDefinition {
        IndexDefinition {
            name: name.to_owned(),
            set: None,
            bin: Some(bin.as_bytes().to_vec()),
            value_type: IndexValueType::Numeric,
            collection: IndexCollection::Default,
            context: None,
            expression: None,
        }
    }

    #[test]
    fn indexes_are_keyed_by_definition() {
        let mut indexes = Indexes::default();
        assert_eq!(indexes.create(index("a", "n")), Ok(()));
        assert_eq!(indexes.create(index("z", "m")), Ok(()));
        assert_eq!(indexes.create(index("a", "n")), Ok(()));
        assert_eq!(indexes.create(index("a", "other")), Err(IndexNameTaken));
        assert_eq!(indexes.create(index("b", "n")), Ok(()), "renames a");
        let names: Vec<&str> = indexes.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["b", "z"]);
        assert!(!indexes.remove("a"));
        assert!(indexes.remove("b"));
        assert!(indexes.get("b").is_none());
    }

    #[test]
    fn clock_moves_forward() {
        let clock = Clock::default();
        let before = clock.now_void_secs();
        clock.advance(Duration::from_secs(3600));
        assert!(clock.now_void_secs() >= before + 3600);
    }
}
