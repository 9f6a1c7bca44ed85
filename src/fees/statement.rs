//! 住户对账单: a household's bills with what paid, waived and left open of each as at a day,
//! its payments, and its prepayment. Read by the cashier's and the resident's pages and by the
//! 催缴通知单 (re-exported by `fees::reports`).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use crate::domain::ids::{BillId, PaymentId};
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::error::Result;
use crate::fees::figures::FiguresTx;
use crate::fees::rows::{bill_label, BillSettlementRow, HouseholdBillRow, HouseholdRow, PaymentRow};
use crate::fees::rules::{days_overdue, late_fee};
use crate::fees::store::FeesStore;
use crate::fees::{household_label, receipt_label};
use crate::ledger::Book;
use crate::render::table::{money_cell, Align, Table};

#[derive(Debug, Clone, serde::Serialize)]
pub struct StatementBill {
    /// 账单号, which `waive --bill` and `pay --bill` take.
    pub bill_id: BillId,
    pub period: String,
    pub fee_item: String,
    /// The unit the bill is for (a parking space the household holds), none for its own.
    pub unit: Option<String>,
    pub amount: Fen,
    pub paid: Fen,
    pub waived: Fen,
    pub open: Fen,
    /// 滞纳金 accrued on the open amount by the statement's date (zero when the item has none).
    pub late_fee: Fen,
}

impl StatementBill {
    /// "车位停车费（B1-018）": the item, and the unit it is for.
    pub fn label(&self) -> String {
        bill_label(&self.fee_item, self.unit.as_deref())
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct StatementPayment {
    pub paid_on: String,
    pub receipt: String,
    pub method: String,
    pub amount: Fen,
    /// Voided by a reversing entry: listed, but it settles nothing.
    pub voided: bool,
}

/// 住户对账单.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HouseholdStatement {
    pub book: String,
    pub household: String,
    pub owner_name: String,
    pub bills: Vec<StatementBill>,
    pub payments: Vec<StatementPayment>,
    pub open: Fen,
    pub prepaid: Fen,
    /// The statement's date, which late fees are reckoned to.
    pub as_of: String,
    pub late_fees: Fen,
}

pub async fn household_statement<S: FeesStore>(
    store: &S,
    book: &Book,
    household: &HouseholdRow,
    as_of: NaiveDate,
) -> Result<HouseholdStatement> {
    let mut tx = store.read().await?;
    let bills = tx.household_bills(book.key(), household.id).await?;
    let settlements = tx.household_settlements(book.key(), household.id).await?;
    let voided_on: HashMap<PaymentId, NaiveDate> = tx.household_voids(book.key(), household.id).await?.into_iter().collect();
    // As at the end of `as_of`: bills billed by then (a month is billed on its first day) and
    // what settled them by then; payments made by then, voided only if voided by then.
    let payments: Vec<PaymentRow> = tx
        .household_payments(book.key(), household.id)
        .await?
        .into_iter()
        .filter(|p| p.paid_on <= as_of)
        .map(|p| PaymentRow { voided: voided_on.get(&p.id).is_some_and(|d| *d <= as_of), ..p })
        .collect();
    let settled = Settled::by(&settlements, as_of);
    let received: i64 = payments.iter().filter(|p| !p.voided).map(|p| p.amount_fen).sum();
    // Every payment allocation counts here, a voided payment's negative ones too, so a payment
    // voided by then nets to nothing.
    let settled_by_payments: i64 = settled.paid.values().sum();
    let prepaid = received - settled_by_payments;
    let month = Period::of_date(as_of);
    let bills: Vec<StatementBill> = bills
        .into_iter()
        .filter(|b| b.period <= month && !settled.cancelled.contains(&b.bill_id))
        .map(|b| statement_bill(b, &settled, as_of))
        .collect();
    Ok(HouseholdStatement {
        book: book.row.name.clone(),
        household: household_label(household),
        owner_name: household.owner_name.clone(),
        open: bills.iter().map(|b| b.open).sum(),
        late_fees: bills.iter().map(|b| b.late_fee).sum(),
        as_of: as_of.to_string(),
        bills,
        payments: payments.into_iter().map(statement_payment).collect(),
        prepaid: Fen(prepaid),
    })
}

/// What settled a household's bills by the end of a day: paid and waived fen by bill, and
/// the bills cancelled.
struct Settled {
    paid: HashMap<BillId, i64>,
    waived: HashMap<BillId, i64>,
    cancelled: HashSet<BillId>,
}

impl Settled {
    fn by(settlements: &[BillSettlementRow], as_of: NaiveDate) -> Settled {
        let mut paid: HashMap<BillId, i64> = HashMap::new();
        let mut waived: HashMap<BillId, i64> = HashMap::new();
        // A bill cancelled by then (冲销计费) was never owed: the statement leaves it out.
        let mut cancelled: HashSet<BillId> = HashSet::new();
        for s in settlements.iter().filter(|s| s.on() <= as_of) {
            if s.is_cancellation {
                cancelled.insert(s.bill_id);
                continue;
            }
            *if s.is_waiver { &mut waived } else { &mut paid }.entry(s.bill_id).or_default() += s.amount_fen;
        }
        Settled { paid, waived, cancelled }
    }
}

/// One bill as the statement shows it, with what is open of it and its late fee on `as_of`.
fn statement_bill(b: HouseholdBillRow, settled: &Settled, as_of: NaiveDate) -> StatementBill {
    let (paid, waived) = (settled.paid.get(&b.bill_id).copied().unwrap_or(0), settled.waived.get(&b.bill_id).copied().unwrap_or(0));
    let open = Fen(b.amount_fen - paid - waived);
    StatementBill {
        bill_id: b.bill_id,
        period: b.period.to_string(),
        fee_item: b.fee_item,
        unit: b.unit_code,
        amount: Fen(b.amount_fen),
        paid: Fen(paid),
        waived: Fen(waived),
        open,
        late_fee: late_fee(open, Fen(b.amount_fen), days_overdue(b.period, as_of), b.late_fee_ppm_per_day, b.late_fee_cap_percent),
    }
}

fn statement_payment(p: PaymentRow) -> StatementPayment {
    StatementPayment {
        paid_on: p.paid_on.to_string(),
        receipt: receipt_label(p.receipt_number),
        method: p.method.label().to_string(),
        amount: Fen(p.amount_fen),
        voided: p.voided,
    }
}

impl HouseholdStatement {
    pub fn to_table(&self) -> Table {
        let r = Align::Right;
        let mut t = Table::new(
            "住户对账单",
            &[("账单号", Align::Left), ("月份", Align::Left), ("项目", Align::Left), ("应收", r), ("已收", r), ("减免", r), ("未结清", r)],
        );
        t.subtitle.push(format!("{}    住户：{}（{}）", self.book, self.household, self.owner_name));
        for b in &self.bills {
            t.rows.push(vec![
                b.bill_id.to_string(),
                b.period.clone(),
                b.label(),
                money_cell(b.amount.0),
                money_cell(b.paid.0),
                money_cell(b.waived.0),
                money_cell(b.open.0),
            ]);
        }
        for p in &self.payments {
            let voided = if p.voided { "（已作废）" } else { "" };
            t.footer.push(format!("{} 收据{} {} {}{voided}", p.paid_on, p.receipt, p.method, p.amount));
        }
        t.footer.push(format!("未结清合计 {}；滞纳金合计 {}；预收余额 {}", self.open, self.late_fees, self.prepaid));
        t
    }
}
