//! Fault injection: latency, injected result codes, closed connections and stalls, so that
//! client reliability (timeouts, retries, reconnects) can be tested against real TCP.
//!
//! Faults are rules held by the cluster; each names the command classes it applies to and,
//! optionally, one node. The connection loop asks [`Faults::decide`] before answering a request,
//! but only while a rule exists: with no fault configured the cost is one atomic load.
//!
//! The same rules can be set over the wire with the info command `devserver-fault` (see
//! [`Faults::apply_info`]), which acts on the node that receives it:
//!
//! | command | effect |
//! |---|---|
//! | `devserver-fault:action=latency;ms=<n>[;commands=<list>]` | answer `n` ms late |
//! | `devserver-fault:action=fail;count=<n>;code=<rc>[;commands=<list>]` | answer the next `n` commands with result code `rc` |
//! | `devserver-fault:action=close;count=<n>[;commands=<list>]` | close the connection instead of answering the next `n` commands |
//! | `devserver-fault:action=stall[;commands=<list>]` | hold requests unanswered until cleared or the client disconnects |
//! | `devserver-fault:action=drop` | close every other open connection of this node now |
//! | `devserver-fault:action=index_building` | report every secondary index still building (`load_pct=0`) until cleared |
//! | `devserver-fault:action=clear` | remove the rules that apply to this node |
//!
//! `<list>` is a comma-separated subset of `info,read,write,batch,query`, or `all`; the default
//! is every data command (`read,write,batch,query`), so that cluster tending keeps working.
//! `drop`, `index_building` and `clear` act on the whole node and refuse a `commands=` list.
//! Info requests that carry `devserver-fault` are never delayed, failed or held.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::task;

use crate::message::{field, info1, info2, Message};
use crate::proto::Kind;
use crate::result_code::ResultCode;

/// The info command that configures faults; requests carrying it are exempt from faults.
pub const INFO_COMMAND: &str = "devserver-fault";

/// The kinds of request a fault can target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CommandClass {
    Info,
    Read,
    Write,
    Batch,
    Query,
}

impl CommandClass {
    pub const ALL: [CommandClass; 5] = [
        CommandClass::Info,
        CommandClass::Read,
        CommandClass::Write,
        CommandClass::Batch,
        CommandClass::Query,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CommandClass::Info => "info",
            CommandClass::Read => "read",
            CommandClass::Write => "write",
            CommandClass::Batch => "batch",
            CommandClass::Query => "query",
        }
    }

    /// The class named `name` (`info`, `read`, `write`, `batch` or `query`).
    pub fn from_name(name: &str) -> Result<CommandClass, String> {
        CommandClass::ALL
            .into_iter()
            .find(|c| c.name() == name)
            .ok_or_else(|| {
                format!("unknown command class {name:?}: use info, read, write, batch or query")
            })
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// The class of a request, from its proto type and message header; `None` for requests no
    /// fault applies to (admin, and the fault-configuring info command itself).
    pub fn of_request(kind: Kind, body: &[u8]) -> Option<CommandClass> {
        match kind {
            Kind::Admin => None,
            Kind::Info => {
                let exempt = body
                    .windows(INFO_COMMAND.len())
                    .any(|w| w == INFO_COMMAND.as_bytes());
                (!exempt).then_some(CommandClass::Info)
            }
            Kind::Message | Kind::CompressedMessage => {
                let (info1, info2) = (
                    body.get(1).copied().unwrap_or(0),
                    body.get(2).copied().unwrap_or(0),
                );
                let keyless = Message::parse(body)
                    .map(|msg| msg.field(field::DIGEST).is_none())
                    .unwrap_or(false);
                Some(if info1 & info1::BATCH != 0 {
                    CommandClass::Batch
                } else if keyless {
                    CommandClass::Query
                } else if info2 & (info2::WRITE | info2::DELETE) != 0 {
                    CommandClass::Write
                } else {
                    CommandClass::Read
                })
            }
        }
    }
}

/// A set of command classes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Commands(u8);

impl Commands {
    /// Every data command: what a fault targets unless told otherwise.
    pub const DATA: Commands = Commands(0b11110);
    pub const ALL: Commands = Commands(0b11111);

    pub fn of(classes: &[CommandClass]) -> Commands {
        Commands(classes.iter().fold(0, |bits, c| bits | c.bit()))
    }

    pub fn contains(self, class: CommandClass) -> bool {
        self.0 & class.bit() != 0
    }

    /// Parses a comma-separated list of class names, or `all`.
    pub fn parse(list: &str) -> Result<Commands, String> {
        if list == "all" {
            return Ok(Commands::ALL);
        }
        let mut bits = 0;
        for name in list.split(',') {
            bits |= CommandClass::from_name(name)?.bit();
        }
        Ok(Commands(bits))
    }
}

impl fmt::Debug for Commands {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = CommandClass::ALL
            .into_iter()
            .filter(|c| self.contains(*c))
            .map(CommandClass::name)
            .collect();
        write!(f, "{}", names.join(","))
    }
}

/// What a rule does to the requests it applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultAction {
    /// Answer this much later.
    Delay(Duration),
    /// Answer the next `count` requests with `result_code` instead of executing them.
    Fail { count: u64, result_code: ResultCode },
    /// Close the connection instead of answering the next `count` requests.
    Close { count: u64 },
    /// Hold requests unanswered until the rule is cleared or the client disconnects.
    Stall,
    /// Report every secondary index as still building (`load_pct=0`) until the rule is cleared,
    /// as a real server does while it populates a new index; it targets no command.
    IndexBuilding,
}

/// One fault rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub action: FaultAction,
    pub commands: Commands,
    /// The id of the one node it applies to; every node when `None`.
    pub node: Option<String>,
}

impl Fault {
    fn applies(&self, node: &str, class: CommandClass) -> bool {
        self.commands.contains(class) && self.node.as_deref().is_none_or(|n| n == node)
    }

    fn exhausted(&self) -> bool {
        matches!(
            self.action,
            FaultAction::Fail { count: 0, .. } | FaultAction::Close { count: 0 }
        )
    }
}

/// What the connection does with one request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Decision {
    pub delay: Duration,
    pub outcome: Outcome,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Outcome {
    #[default]
    Serve,
    Fail(ResultCode),
    Close,
    Stall,
}

/// A request to a node's accept loop to close its open connections.
pub struct DropRequest {
    /// A connection to keep open (the one that asked, over info).
    pub except: Option<task::Id>,
    /// Answered once the connections are closed.
    pub done: oneshot::Sender<()>,
}

/// The fault rules of a cluster, and the way to reach each node's connections.
pub struct Faults {
    active: AtomicBool,
    rules: Mutex<Vec<Fault>>,
    /// Bumped on every rule change, so that stalled requests re-check.
    version: watch::Sender<u64>,
    nodes: Mutex<HashMap<String, mpsc::UnboundedSender<DropRequest>>>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            active: AtomicBool::new(false),
            rules: Mutex::new(Vec::new()),
            version: watch::channel(0).0,
            nodes: Mutex::new(HashMap::new()),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Faults {
    /// Whether any rule exists (the fast path skips everything else when not).
    pub fn active(&self) -> bool {
        self.active.load(Ordering::Relaxed)
    }

    pub fn add(&self, fault: Fault) {
        self.change(|rules| rules.push(fault));
    }

    /// Removes the rules that apply to `node` (including those for every node), or all rules.
    pub fn clear(&self, node: Option<&str>) {
        self.change(|rules| match node {
            None => rules.clear(),
            Some(node) => rules.retain(|f| f.node.as_deref().is_some_and(|n| n != node)),
        });
    }

    /// Whether `node` reports its secondary indexes as still building.
    pub fn index_building(&self, node: &str) -> bool {
        lock(&self.rules).iter().any(|f| {
            f.action == FaultAction::IndexBuilding && f.node.as_deref().is_none_or(|n| n == node)
        })
    }

    /// The rules in force.
    pub fn rules(&self) -> Vec<Fault> {
        lock(&self.rules).clone()
    }

    fn change(&self, edit: impl FnOnce(&mut Vec<Fault>)) {
        let mut rules = lock(&self.rules);
        edit(&mut rules);
        rules.retain(|f| !f.exhausted());
        self.active.store(!rules.is_empty(), Ordering::Relaxed);
        drop(rules);
        self.version.send_modify(|v| *v += 1);
    }

    /// Decides what `node` does with a request of `class`, consuming one use of a counted rule.
    /// Stalls win over closing, closing over failing; delays of all matching rules add up.
    pub fn decide(&self, node: &str, class: CommandClass) -> Decision {
        let mut rules = lock(&self.rules);
        let mut decision = Decision::default();
        for fault in rules.iter().filter(|f| f.applies(node, class)) {
            match fault.action {
                FaultAction::Delay(delay) => decision.delay += delay,
                FaultAction::Stall => decision.outcome = Outcome::Stall,
                _ => {}
            }
        }
        if decision.outcome == Outcome::Stall {
            return decision;
        }
        let counted = rules.iter_mut().find(|f| {
            f.applies(node, class)
                && matches!(
                    f.action,
                    FaultAction::Fail { .. } | FaultAction::Close { .. }
                )
        });
        if let Some(fault) = counted {
            match &mut fault.action {
                FaultAction::Fail { count, result_code } => {
                    *count -= 1;
                    decision.outcome = Outcome::Fail(*result_code);
                }
                FaultAction::Close { count } => {
                    *count -= 1;
                    decision.outcome = Outcome::Close;
                }
                FaultAction::Delay(_) | FaultAction::Stall | FaultAction::IndexBuilding => {}
            }
            if fault.exhausted() {
                rules.retain(|f| !f.exhausted());
                self.active.store(!rules.is_empty(), Ordering::Relaxed);
            }
        }
        decision
    }

    fn stalls(&self, node: &str, class: CommandClass) -> bool {
        lock(&self.rules)
            .iter()
            .any(|f| f.action == FaultAction::Stall && f.applies(node, class))
    }

    /// Returns once no stall applies to `node` and `class` any more.
    pub async fn stalled(&self, node: &str, class: CommandClass) {
        loop {
            // Subscribing before checking means no change between the two is missed.
            let mut changes = self.version.subscribe();
            if !self.stalls(node, class) {
                return;
            }
            if changes.changed().await.is_err() {
                return;
            }
        }
    }

    /// Registers a node's accept loop; the receiver gets its connection-closing requests.
    pub fn register_node(&self, node: &str) -> mpsc::UnboundedReceiver<DropRequest> {
        let (sender, receiver) = mpsc::unbounded_channel();
        lock(&self.nodes).insert(node.to_owned(), sender);
        receiver
    }

    /// Asks the accept loop of `node` (every node when `None`) to close its open connections,
    /// except `except`; each returned receiver is answered once that node is done.
    pub fn request_drop(
        &self,
        node: Option<&str>,
        except: Option<task::Id>,
    ) -> Vec<oneshot::Receiver<()>> {
        let nodes = lock(&self.nodes);
        let mut pending = Vec::new();
        for (id, sender) in nodes.iter() {
            if node.is_some_and(|n| n != id) {
                continue;
            }
            let (done, receiver) = oneshot::channel();
            if sender.send(DropRequest { except, done }).is_ok() {
                pending.push(receiver);
            }
        }
        pending
    }

    /// Closes the open connections of `node` (every node when `None`) and waits until they are.
    pub async fn drop_connections(&self, node: Option<&str>) {
        for done in self.request_drop(node, None) {
            // A node stopped meanwhile has dropped its connections anyway.
            let _ = done.await;
        }
    }

    /// Applies a `devserver-fault` info command received by `node`.
    pub fn apply_info(&self, node: &str, params: &BTreeMap<&str, &str>) -> Result<(), String> {
        let action = params.get("action").copied().unwrap_or("");
        if params.contains_key("commands") && ["index_building", "drop", "clear"].contains(&action)
        {
            return Err(format!(
                "commands= does not apply to action={action}: it acts on the whole node"
            ));
        }
        let commands = match params.get("commands") {
            Some(list) => Commands::parse(list)?,
            None => Commands::DATA,
        };
        let number = |name: &str| -> Result<u64, String> {
            let text = params
                .get(name)
                .ok_or_else(|| format!("missing parameter {name}"))?;
            text.parse()
                .map_err(|_| format!("{name}={text} is not a non-negative integer"))
        };
        let action = match params.get("action").copied() {
            Some("latency") => FaultAction::Delay(Duration::from_millis(number("ms")?)),
            Some("fail") => {
                let code = number("code")?;
                let result_code = ResultCode::try_from(code)
                    .ok()
                    .filter(|rc| *rc != 0)
                    .ok_or_else(|| format!("code={code} is not a result code from 1 to 255"))?;
                FaultAction::Fail {
                    count: number("count")?,
                    result_code,
                }
            }
            Some("close") => FaultAction::Close {
                count: number("count")?,
            },
            Some("stall") => FaultAction::Stall,
            Some("index_building") => {
                self.add(Fault {
                    action: FaultAction::IndexBuilding,
                    commands: Commands::of(&[]),
                    node: Some(node.to_owned()),
                });
                return Ok(());
            }
            Some("drop") => {
                // The connection that asked gets its answer; the others close.
                drop(self.request_drop(Some(node), task::try_id()));
                return Ok(());
            }
            Some("clear") => {
                self.clear(Some(node));
                return Ok(());
            }
            other => {
                return Err(format!(
                "action={} is not one of latency, fail, close, stall, index_building, drop, clear",
                other.unwrap_or("")
            ))
            }
        };
        self.add(Fault {
            action,
            commands,
            node: Some(node.to_owned()),
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(action: FaultAction, commands: Commands, node: Option<&str>) -> Fault {
        Fault {
            action,
            commands,
            node: node.map(str::to_owned),
        }
    }

    #[test]
    fn no_rule_serves_everything() {
        let faults = Faults::default();
        assert!(!faults.active());
        assert_eq!(faults.decide("A", CommandClass::Read), Decision::default());
    }

    #[test]
    fn counted_failures_run_out_then_the_rule_disappears() {
        let faults = Faults::default();
        let rule = FaultAction::Fail {
            count: 2,
            result_code: 14,
        };
        faults.add(fault(rule, Commands::of(&[CommandClass::Write]), None));
        assert_eq!(
            faults.decide("A", CommandClass::Read).outcome,
            Outcome::Serve
        );
        assert_eq!(
            faults.decide("A", CommandClass::Write).outcome,
            Outcome::Fail(14)
        );
        assert_eq!(
            faults.decide("B", CommandClass::Write).outcome,
            Outcome::Fail(14)
        );
        assert_eq!(
            faults.decide("A", CommandClass::Write).outcome,
            Outcome::Serve
        );
        assert!(!faults.active());
    }

    #[test]
    fn stalls_win_and_delays_add_up_per_node() {
        let faults = Faults::default();
        let ms = Duration::from_millis;
        faults.add(fault(FaultAction::Delay(ms(5)), Commands::DATA, None));
        faults.add(fault(FaultAction::Delay(ms(7)), Commands::DATA, Some("A")));
        faults.add(fault(FaultAction::Close { count: 1 }, Commands::DATA, None));
        faults.add(fault(FaultAction::Stall, Commands::DATA, Some("B")));
        let b = faults.decide("B", CommandClass::Read);
        assert_eq!((b.delay, b.outcome), (ms(5), Outcome::Stall));
        let a = faults.decide("A", CommandClass::Query);
        assert_eq!((a.delay, a.outcome), (ms(12), Outcome::Close));
        assert_eq!(faults.decide("A", CommandClass::Info), Decision::default());
    }

    #[test]
    fn clearing_a_node_keeps_the_rules_of_other_nodes() {
        let faults = Faults::default();
        faults.add(fault(FaultAction::Stall, Commands::ALL, None));
        faults.add(fault(FaultAction::Stall, Commands::ALL, Some("A")));
        faults.add(fault(FaultAction::Stall, Commands::ALL, Some("B")));
        faults.clear(Some("A"));
        assert_eq!(
            faults.rules(),
            vec![fault(FaultAction::Stall, Commands::ALL, Some("B"))]
        );
        faults.clear(None);
        assert!(!faults.active());
    }

    #[test]
    fn info_parameters_are_checked_and_named() {
        let faults = Faults::default();
        let parse = |text: &'static str| -> BTreeMap<&'static str, &'static str> {
            text.split(';').filter_map(|p| p.split_once('=')).collect()
        };
        assert_eq!(
            faults.apply_info("A", &parse("action=fail;count=3;code=300")),
            Err("code=300 is not a result code from 1 to 255".to_owned())
        );
        assert_eq!(
            faults.apply_info("A", &parse("action=latency;ms=x")),
            Err("ms=x is not a non-negative integer".to_owned())
        );
        assert_eq!(
            faults.apply_info("A", &parse("action=stall;commands=read,scan")),
            Err("unknown command class \"scan\": use info, read, write, batch or query".to_owned())
        );
        assert!(faults
            .apply_info("A", &parse("action=explode"))
            .unwrap_err()
            .contains("action=explode"));
        faults
            .apply_info("A", &parse("action=latency;ms=20;commands=info,batch"))
            .unwrap();
        assert_eq!(
            faults.rules(),
            vec![fault(
                FaultAction::Delay(Duration::from_millis(20)),
                Commands::of(&[CommandClass::Info, CommandClass::Batch]),
                Some("A")
            )]
        );
    }

    #[test]
    fn index_building_holds_per_node_until_cleared_and_delays_no_command() {
        let faults = Faults::default();
        let params: BTreeMap<&str, &str> = [("action", "index_building")].into();
        faults.apply_info("A", &params).unwrap();
        assert!(faults.index_building("A"));
        assert!(!faults.index_building("B"));
        for class in [CommandClass::Info, CommandClass::Read, CommandClass::Query] {
            assert_eq!(faults.decide("A", class), Decision::default());
        }
        faults.clear(Some("A"));
        assert!(!faults.index_building("A"));
    }

    #[test]
    fn node_wide_actions_refuse_a_command_list() {
        let faults = Faults::default();
        for action in ["index_building", "drop", "clear"] {
            let params: BTreeMap<&str, &str> = [("action", action), ("commands", "read")].into();
            let error = faults.apply_info("A", &params).unwrap_err();
            assert!(error.contains(&format!("commands= does not apply to action={action}")));
        }
        assert!(faults.rules().is_empty());
    }

    #[test]
    fn requests_are_classified_by_shape() {
        assert_eq!(
            CommandClass::of_request(Kind::Info, b"devserver-fault:action=clear\n"),
            None
        );
        assert_eq!(
            CommandClass::of_request(Kind::Info, b"node\n"),
            Some(CommandClass::Info)
        );
        assert_eq!(CommandClass::of_request(Kind::Admin, &[0; 16]), None);
        let mut header = [0u8; 22];
        header[0] = 22;
        header[1] = info1::BATCH;
        assert_eq!(
            CommandClass::of_request(Kind::Message, &header),
            Some(CommandClass::Batch)
        );
        header[1] = info1::READ;
        assert_eq!(
            CommandClass::of_request(Kind::Message, &header),
            Some(CommandClass::Query)
        );
    }
}
