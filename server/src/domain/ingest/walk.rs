//! The batch replayed in memory, item by item in delivery order, by the rules the old
//! statement-per-item path applied: a contact's first grant, the monthly reset on first touch,
//! charges down to zero at most, merged balances closed, statuses moving forward only (early
//! ones applied when their message appears), failed sends refunded once. What it yields is
//! written afterwards with a few set-based statements: the ledger rows (each carrying the
//! running balance), one balance per user, the statuses that moved, and every report.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;

use crate::{
    domain::{
        credits::{self, PriceTable},
        message::{ErrorInfo, Status},
    },
    events::Changes,
    store::entity::credit_ledger,
};

use super::{
    IngestReport,
    contacts::{Contacts, Resolved, Touch},
    plan::{Inbound, Item, Plan},
};

/// A message stored before the batch that one of its statuses names.
pub(super) struct StoredMessage {
    pub(super) status: Status,
    pub(super) user_id: i64,
    pub(super) credits_charged: i64,
    pub(super) send_ref: Option<String>,
}

/// A status report already in `status_events` for a message the batch stores.
pub(super) struct Recorded {
    pub(super) status: Status,
    pub(super) error: ErrorInfo,
    /// The position of the batch item that recorded it; `None` when it was recorded before.
    pub(super) at: Option<usize>,
}

/// What the database said, for the walk to follow it.
#[derive(Default)]
pub(super) struct Facts {
    /// Positions of the inbound messages stored now.
    pub(super) stored_now: HashSet<usize>,
    /// Positions of the status reports recorded now.
    pub(super) recorded_now: HashSet<usize>,
    /// Messages the ledger has already charged (an inbound row restored by hand).
    pub(super) charged_before: HashSet<String>,
    /// Send references already refunded.
    pub(super) refunded_before: HashSet<String>,
    /// Messages stored before the batch that its statuses name.
    pub(super) stored: HashMap<String, StoredMessage>,
    /// Reports recorded for the messages stored now.
    pub(super) recorded: HashMap<String, Vec<Recorded>>,
}

/// What the batch does, to be written.
pub(super) struct Outcome {
    /// One report per delivery (counts and charges).
    pub(super) reports: Vec<IngestReport>,
    /// What each stored-now inbound message was charged, by position.
    pub(super) charged: HashMap<usize, i64>,
    /// Ledger rows to append, in order.
    pub(super) ledger: Vec<credit_ledger::ActiveModel>,
    /// Each handle's balance and period at the end.
    pub(super) balances: Vec<(i64, String)>,
    /// Messages stored and moved, in order (ledger rows are added once inserted).
    pub(super) changes: Changes,
    /// Each moved message's final status and, when failed, Meta's error.
    pub(super) moved: HashMap<String, (Status, ErrorInfo)>,
}

/// The walk's inputs that do not change between walks.
pub(super) struct Rules<'r> {
    pub(super) prices: &'r PriceTable,
    pub(super) now: DateTime<Utc>,
    pub(super) jobs: usize,
}

/// Replays `plan` over `contacts` (resolved per inbound position in `resolved`).
pub(super) fn walk(
    rules: &Rules<'_>,
    plan: &Plan<'_>,
    resolved: &HashMap<usize, Resolved>,
    contacts: &Contacts,
    facts: &Facts,
) -> Outcome {
    let mut walker = Walker {
        rules,
        contacts,
        facts,
        period: credits::period_of(rules.now),
        state: facts.stored.iter().map(|(id, m)| (id.clone(), m.status)).collect(),
        refunded: HashSet::new(),
        out: Outcome {
            reports: vec![IngestReport::default(); rules.jobs],
            charged: HashMap::new(),
            ledger: Vec::new(),
            balances: contacts.users.iter().map(|u| (u.current_month_credits, u.credits_period.clone())).collect(),
            changes: Changes::default(),
            moved: HashMap::new(),
        },
    };
    for (pos, (job, item)) in plan.items.iter().enumerate() {
        match item {
            Item::Inbound(inbound) => {
                let Some(at) = resolved.get(&pos) else { continue };
                walker.inbound(pos, *job, at, inbound);
            }
            Item::Status(update) => {
                let error = update.errors.first().map(ErrorInfo::from).unwrap_or_default();
                let status = Status::parse(&update.status);
                walker.status(pos, *job, &update.message_id, status, error);
            }
        }
    }
    walker.out
}

struct Walker<'w> {
    rules: &'w Rules<'w>,
    contacts: &'w Contacts,
    facts: &'w Facts,
    period: String,
    /// Where each known message stands now.
    state: HashMap<String, Status>,
    refunded: HashSet<String>,
    out: Outcome,
}

impl Walker<'_> {
    fn inbound(&mut self, pos: usize, job: usize, at: &Resolved, inbound: &Inbound<'_>) {
        let (message_id, kind) = (inbound.message.id.as_str(), inbound.message.kind.as_str());
        match at.touch {
            Touch::Created => {
                let allowance = self.contacts.users[at.handle].monthly_allowance;
                self.append(at.handle, allowance, credits::Reason::MonthlyReset.as_str(), None, None);
            }
            Touch::Merged(other) => self.close(other, at.handle),
            Touch::Found => {}
        }
        self.roll_period(at.handle);
        if !self.facts.stored_now.contains(&pos) {
            self.out.reports[job].messages_duplicate += 1;
            return;
        }
        self.out.reports[job].messages_stored += 1;
        if in_throughput_window(inbound.message.timestamp, self.rules.now) {
            let received = &mut self.out.reports[job].received_now;
            match received.get_mut(&inbound.change.phone_number_id) {
                Some(count) => *count += 1,
                None => {
                    received.insert(inbound.change.phone_number_id.clone(), 1);
                }
            }
        }
        self.out.changes.new_message(message_id);
        let due = credits::due(self.out.balances[at.handle].0, self.rules.prices.price_of(kind));
        let charged = if due == 0 || self.facts.charged_before.contains(message_id) { 0 } else { due };
        if charged > 0 {
            self.out.balances[at.handle].0 -= charged;
            self.append(at.handle, -charged, credits::Reason::Inbound.as_str(), Some(message_id), None);
        }
        self.out.reports[job].credits_charged += charged;
        self.out.charged.insert(pos, charged);
        self.state.insert(message_id.to_owned(), Status::Received);
        self.apply_recorded(pos, message_id);
    }

    /// The highest report recorded before this point for a message just stored.
    fn apply_recorded(&mut self, pos: usize, message_id: &str) {
        let recorded = self.facts.recorded.get(message_id).into_iter().flatten();
        let highest = recorded.filter(|r| r.at.is_none_or(|at| at < pos)).max_by_key(|r| r.status);
        if let Some(report) = highest {
            self.apply(message_id, report.status, report.error.clone());
        }
    }

    fn status(&mut self, pos: usize, job: usize, message_id: &str, status: Option<Status>, error: ErrorInfo) {
        self.out.reports[job].statuses_recorded += usize::from(self.facts.recorded_now.contains(&pos));
        if let Some(status) = status {
            self.out.reports[job].statuses_applied += usize::from(self.apply(message_id, status, error));
        }
    }

    /// Moves a known message up to `status`; whether it moved. A send that fails is refunded.
    fn apply(&mut self, message_id: &str, status: Status, error: ErrorInfo) -> bool {
        let Some(current) = self.state.get_mut(message_id) else { return false };
        if status <= *current {
            return false;
        }
        *current = status;
        self.out.changes.status_moved(message_id);
        let moved = self.out.moved.entry(message_id.to_owned()).or_insert((status, ErrorInfo::default()));
        moved.0 = status;
        if status == Status::Failed {
            moved.1 = error;
            self.refund(message_id);
        }
        true
    }

    fn refund(&mut self, message_id: &str) {
        let Some(stored) = self.facts.stored.get(message_id).filter(|m| m.credits_charged > 0) else { return };
        let (Some(reference), Some(handle)) = (&stored.send_ref, self.contacts.handle_of(stored.user_id)) else {
            return;
        };
        if self.facts.refunded_before.contains(reference) || !self.refunded.insert(reference.clone()) {
            return;
        }
        self.out.balances[handle].0 += stored.credits_charged;
        self.append(handle, stored.credits_charged, credits::Reason::Refund.as_str(), Some(reference), None);
    }

    fn roll_period(&mut self, handle: usize) {
        if self.out.balances[handle].1 >= self.period {
            return;
        }
        let allowance = self.contacts.users[handle].monthly_allowance;
        let delta = allowance - self.out.balances[handle].0;
        self.out.balances[handle] = (allowance, self.period.clone());
        self.append(handle, delta, credits::Reason::MonthlyReset.as_str(), None, None);
    }

    /// Closes the balance of `other`, merged into `keep`, so both ledgers still sum to their
    /// balances.
    fn close(&mut self, other: usize, keep: usize) {
        let closed = -self.out.balances[other].0;
        if closed != 0 {
            self.out.balances[other].0 = 0;
            let note = format!("merged into user {}", self.contacts.users[keep].id);
            self.append(other, closed, credits::ADJUSTMENT, None, Some(note));
        }
    }

    /// A ledger row for `delta`, which the balance already reflects.
    fn append(&mut self, handle: usize, delta: i64, reason: &str, message_id: Option<&str>, note: Option<String>) {
        let (balance, period) = &self.out.balances[handle];
        self.out.ledger.push(credit_ledger::ActiveModel {
            user_id: Set(self.contacts.users[handle].id),
            delta: Set(delta),
            reason: Set(reason.to_owned()),
            message_id: Set(message_id.map(str::to_owned)),
            balance_after: Set(*balance),
            period: Set(period.clone()),
            note: Set(note),
            created_at: Set(self.rules.now),
            ..Default::default()
        });
    }
}

/// Whether a message Meta timestamped `timestamp` (whole seconds) may still be in its number's
/// one-second throughput window `now`: from this second or the one before, or without a
/// timestamp. A message delivered late (Meta retrying after an outage) is not.
fn in_throughput_window(timestamp: Option<i64>, now: DateTime<Utc>) -> bool {
    timestamp.is_none_or(|at| now.timestamp() - at <= 1)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::in_throughput_window;

    #[test]
    fn a_message_counts_in_its_numbers_second_when_meta_stamped_it_this_second_or_the_one_before() {
        let now = Utc.timestamp_opt(1_764_806_400, 500_000_000).single().expect("a valid instant");
        let at = |seconds_ago: i64| Some(now.timestamp() - seconds_ago);
        assert!(in_throughput_window(at(0), now));
        assert!(in_throughput_window(at(1), now), "whole seconds: up to two seconds old");
        assert!(!in_throughput_window(at(2), now));
        assert!(!in_throughput_window(at(3600), now), "Meta retrying after an outage");
        assert!(in_throughput_window(at(-5), now), "a clock ahead of ours counts, to be safe");
        assert!(in_throughput_window(None, now), "no timestamp counts, to be safe");
    }
}
