//! The fee subledger sealed in the hash chain (DESIGN.md invariant 4): every row written with a
//! voucher (a billing run and its bills, a payment, the allocations, a waiver, a void, a billing
//! reversal) goes into a digest that the voucher's hash seals (`SealHeader::subledger`). Changing,
//! moving or deleting such a row, or adding one, no longer matches its voucher, and `verify`
//! names the voucher.
//!
//! The writer computes the digest from the rows it is about to write; `verify` recomputes it
//! from the rows read back, grouped by voucher. Both build the same `SubledgerRows` and hash it
//! in one canonical order, so the two cannot drift apart. Database ids given at insert (of the
//! payment, the waiver, the void) are not sealed: a row names its payment by receipt number,
//! and `verify`'s cross-reference checks tie every allocation to its source's voucher.

pub mod master;
mod sqlite;
pub mod store;
pub mod verify;
pub mod wings;

use chrono::{Datelike, NaiveDate};
use sha2::{Digest, Sha256};

use crate::domain::ids::{BillId, BillingRunId, FeeItemId, HouseholdId, UnitId, VoucherId};
/// A billing run as sealed: with the head of the community's master-data chain it billed from
/// (`fees::master`), so rewriting a household's history before the run breaks its voucher.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct RunSeal {
    pub voucher_id: VoucherId,
    pub period: i64,
    pub bills: i64,
    pub total_fen: i64,
    pub created_by: String,
    pub master_seq: Option<i64>,
    pub master_head: Option<String>,
    /// What it billed per building (JSON, `[["1", 123450], …]`): the figures the fee reports
    /// keep (`receivable_flows`) are checked against it.
    pub by_building: Option<String>,
}

/// A run's bills as sealed: how many, their sum, and the SHA-256 of their rows in the order
/// written (`bill_bytes` each). Kept apart from the rest of the voucher's rows so that
/// `verify` can hash a run's hundreds of thousands of bills inside the database.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BillsSeal {
    pub count: i64,
    pub total_fen: i64,
    pub digest: String,
}

impl BillsSeal {
    pub fn of<'a>(bills: impl IntoIterator<Item = &'a BillSeal>) -> BillsSeal {
        let mut hasher = Sha256::new();
        let (mut count, mut total_fen) = (0, 0);
        for b in bills {
            bill_bytes(
                &mut hasher,
                [b.household_id.0, b.fee_item_id.0, b.period, b.issue, b.amount_fen, b.tax_fen],
                b.unit_id.map(|u| u.0),
            );
            count += 1;
            total_fen += b.amount_fen;
        }
        BillsSeal { count, total_fen, digest: hex::encode(hasher.finalize()) }
    }
}

/// One bill's bytes in its run's digest: household, item, month, issue, amount and tax as 8
/// bytes little-endian each, then the unit (a 0 byte for none, or 1 and its id).
pub(crate) fn bill_bytes(hasher: &mut Sha256, fields: [i64; 6], unit_id: Option<i64>) {
    for v in fields {
        hasher.update(v.to_le_bytes());
    }
    match unit_id {
        Some(u) => {
            hasher.update([1]);
            hasher.update(u.to_le_bytes());
        }
        None => hasher.update([0]),
    }
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct BillSeal {
    pub voucher_id: VoucherId,
    pub household_id: HouseholdId,
    pub unit_id: Option<UnitId>,
    pub fee_item_id: FeeItemId,
    pub period: i64,
    pub issue: i64,
    pub amount_fen: i64,
    pub tax_fen: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct PaymentSeal {
    pub voucher_id: VoucherId,
    pub household_id: HouseholdId,
    pub idempotency_key: String,
    pub method: String,
    pub amount_fen: i64,
    pub paid_on: NaiveDate,
    pub period: i64,
    pub receipt_number: i64,
    pub cashier: String,
    pub settled_fen: Option<i64>,
    pub reference: Option<String>,
    pub remark: Option<String>,
    pub late_reason: Option<String>,
}

/// What an allocation settles a bill by, as `allocation_source` in SQL names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Payment,
    Waiver,
    Void,
    /// A billing reversal cancelling what was left open on the bill.
    Cancel,
    /// A billing reversal handing back to a payment what it had settled.
    Undo,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Payment => "payment",
            Source::Waiver => "waiver",
            Source::Void => "void",
            Source::Cancel => "cancel",
            Source::Undo => "undo",
        }
    }
}

/// SQL naming an allocation's source (`a` is the allocations row), for the rows read back.
pub const ALLOCATION_SOURCE_SQL: &str = "CASE WHEN a.waiver_id IS NOT NULL THEN 'waiver' WHEN a.void_id IS NOT NULL THEN 'void' \
     WHEN a.reversal_id IS NOT NULL AND a.payment_id IS NULL THEN 'cancel' WHEN a.reversal_id IS NOT NULL THEN 'undo' ELSE 'payment' END";

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AllocationSeal {
    pub voucher_id: VoucherId,
    pub bill_id: BillId,
    pub source: String,
    /// The payment's receipt number, for a payment's, a void's and an undoing allocation.
    pub receipt_number: Option<i64>,
    pub amount_fen: i64,
    pub period: i64,
}

impl AllocationSeal {
    pub fn new(bill_id: BillId, source: Source, receipt_number: Option<i64>, amount_fen: i64, period: i64) -> AllocationSeal {
        AllocationSeal { voucher_id: VoucherId(0), bill_id, source: source.as_str().to_string(), receipt_number, amount_fen, period }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct WaiverSeal {
    pub voucher_id: VoucherId,
    pub bill_id: BillId,
    pub amount_fen: i64,
    pub tax_fen: i64,
    pub reason: String,
    pub approver: String,
    pub period: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct VoidSeal {
    pub voucher_id: VoucherId,
    pub receipt_number: i64,
    pub reason: String,
    pub approver: String,
    pub period: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ReversalSeal {
    pub voucher_id: VoucherId,
    pub billing_run_id: BillingRunId,
    pub household_id: Option<HouseholdId>,
    pub bills: i64,
    pub total_fen: i64,
    pub reason: String,
    pub approver: String,
    pub period: i64,
}

/// The subledger rows of one voucher, each kind in the order written (bills by id, payments by
/// receipt number, the rest by id).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubledgerRows {
    pub runs: Vec<RunSeal>,
    /// The bills of the runs (one run per voucher, unless rows were moved).
    pub bills: Vec<BillsSeal>,
    pub payments: Vec<PaymentSeal>,
    pub allocations: Vec<AllocationSeal>,
    pub waivers: Vec<WaiverSeal>,
    pub voids: Vec<VoidSeal>,
    pub reversals: Vec<ReversalSeal>,
    /// The other wings' rows (`wings::WING_TABLES`), each table in its order.
    pub wings: Vec<wings::WingRow>,
}

impl SubledgerRows {
    pub fn is_empty(&self) -> bool {
        self.wings.is_empty() && self.fee_rows_empty()
    }

    /// The rows a voucher posted before the wings were sealed sealed: its fee rows only.
    pub fn fee_rows(&self) -> SubledgerRows {
        SubledgerRows { wings: Vec::new(), ..self.clone() }
    }

    fn fee_rows_empty(&self) -> bool {
        self.runs.is_empty()
            && self.bills.is_empty()
            && self.payments.is_empty()
            && self.allocations.is_empty()
            && self.waivers.is_empty()
            && self.voids.is_empty()
            && self.reversals.is_empty()
    }

    /// SHA-256 over every row in canonical order, hex; "" when there are none. Each row is a
    /// tag byte and its fields, integers as 8 bytes little-endian, texts length-prefixed, so no
    /// two different row lists encode alike. The voucher a row belongs to is not encoded: it is
    /// the voucher that seals the digest.
    pub fn digest(&self) -> String {
        if self.is_empty() {
            return String::new();
        }
        let mut e = Encoder(Sha256::new());
        for r in &self.runs {
            e.tag(b'R').int(r.period).int(r.bills).int(r.total_fen).text(&r.created_by).opt(r.master_seq);
            e.opt_text(r.master_head.as_deref()).opt_text(r.by_building.as_deref());
        }
        for b in &self.bills {
            e.tag(b'B').int(b.count).int(b.total_fen).text(&b.digest);
        }
        for p in &self.payments {
            e.tag(b'P').int(p.household_id.0).text(&p.idempotency_key).text(&p.method).int(p.amount_fen).date(p.paid_on).int(p.period);
            e.int(p.receipt_number).text(&p.cashier).opt(p.settled_fen);
            // Encoded only when the till recorded any, so a payment without is sealed as it
            // was before these were kept.
            if p.reference.is_some() || p.remark.is_some() || p.late_reason.is_some() {
                e.tag(b'N').opt_text(p.reference.as_deref()).opt_text(p.remark.as_deref()).opt_text(p.late_reason.as_deref());
            }
        }
        for a in &self.allocations {
            e.tag(b'A').int(a.bill_id.0).text(&a.source).opt(a.receipt_number).int(a.amount_fen).int(a.period);
        }
        for w in &self.waivers {
            e.tag(b'W').int(w.bill_id.0).int(w.amount_fen).int(w.tax_fen).text(&w.reason).text(&w.approver).int(w.period);
        }
        for v in &self.voids {
            e.tag(b'V').int(v.receipt_number).text(&v.reason).text(&v.approver).int(v.period);
        }
        for r in &self.reversals {
            e.tag(b'X')
                .int(r.billing_run_id.0)
                .opt(r.household_id.map(|h| h.0))
                .int(r.bills)
                .int(r.total_fen)
                .text(&r.reason)
                .text(&r.approver);
            e.int(r.period);
        }
        // Absent for a voucher with fee rows only, so its digest is what it was before the
        // wings were sealed.
        for w in &self.wings {
            e.tag(b'G').text(w.tag).text(&w.content);
        }
        hex::encode(e.0.finalize())
    }
}

struct Encoder(Sha256);

impl Encoder {
    fn tag(&mut self, tag: u8) -> &mut Self {
        self.0.update([tag]);
        self
    }

    fn int(&mut self, value: i64) -> &mut Self {
        self.0.update(value.to_le_bytes());
        self
    }

    fn opt(&mut self, value: Option<i64>) -> &mut Self {
        match value {
            Some(v) => self.tag(1).int(v),
            None => self.tag(0),
        }
    }

    fn text(&mut self, value: &str) -> &mut Self {
        self.0.update((value.len() as u64).to_le_bytes());
        self.0.update(value.as_bytes());
        self
    }

    fn opt_text(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) => self.tag(1).text(v),
            None => self.tag(0),
        }
    }

    fn date(&mut self, date: NaiveDate) -> &mut Self {
        self.int(i64::from(date.num_days_from_ce()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bill(household_id: HouseholdId, amount_fen: i64) -> BillSeal {
        BillSeal {
            voucher_id: VoucherId(0),
            household_id,
            unit_id: None,
            fee_item_id: FeeItemId(1),
            period: 202401,
            issue: 1,
            amount_fen,
            tax_fen: 0,
        }
    }

    #[test]
    fn a_digest_changes_with_any_field_order_or_row_and_is_empty_for_no_rows() {
        assert_eq!(SubledgerRows::default().digest(), "");
        let rows = |bills: Vec<BillSeal>| SubledgerRows { bills: vec![BillsSeal::of(&bills)], ..SubledgerRows::default() };
        let base = rows(vec![bill(HouseholdId(1), 100), bill(HouseholdId(2), 200)]).digest();
        assert_eq!(base.len(), 64);
        assert_eq!(base, rows(vec![bill(HouseholdId(1), 100), bill(HouseholdId(2), 200)]).digest());
        assert_ne!(base, rows(vec![bill(HouseholdId(2), 200), bill(HouseholdId(1), 100)]).digest(), "order is sealed");
        assert_ne!(base, rows(vec![bill(HouseholdId(1), 100), bill(HouseholdId(3), 200)]).digest(), "a bill moved to another household");
        assert_ne!(base, rows(vec![bill(HouseholdId(1), 100)]).digest(), "a bill deleted");
        let mut unit = bill(HouseholdId(1), 100);
        unit.unit_id = Some(UnitId(0));
        assert_ne!(rows(vec![bill(HouseholdId(1), 100)]).digest(), rows(vec![unit]).digest(), "None and Some(0) differ");
        // Length prefixes keep texts apart: ("ab", "c") and ("a", "bc") must not collide.
        let void = |reason: &str, approver: &str| SubledgerRows {
            voids: vec![VoidSeal {
                voucher_id: VoucherId(0),
                receipt_number: 1,
                reason: reason.into(),
                approver: approver.into(),
                period: 1,
            }],
            ..SubledgerRows::default()
        };
        assert_ne!(void("ab", "c").digest(), void("a", "bc").digest());
    }
}
