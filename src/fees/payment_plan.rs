//! A payment planned (pure): the bills it settles, oldest first, with what the household's
//! 预收 settles before it and the later months a prepayment reaches; and its voucher lines.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::domain::ids::{BillId, FeeItemId, PaymentId};
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::fees::rows::{HouseholdRow, OpenBillRow, PrepaymentRow};
use crate::fees::rules::{allocate_oldest_first, OpenBill};
use crate::fees::{household_label, receipt_label, Method, PaymentRequest};
use crate::ledger::account::{AccountCode, FeeAccounts};
use crate::ledger::voucher::{Dimensions, LineInput, VoucherInput};
use crate::ledger::Book;

/// A payment planned against what its household owes (pure work on the rows read): the bills
/// it settles at once, and, by month, those of later months its prepayment settles.
pub(super) struct Planned<'r, 'a> {
    pub(super) req: &'r PaymentRequest<'a>,
    pub(super) key: &'r str,
    pub(super) household: HouseholdRow,
    /// What the household's prepayments settle first, before the payment's money.
    pub(super) applied: Vec<Applied>,
    pub(super) settle: Vec<(OpenBillRow, Fen)>,
    pub(super) forward: BTreeMap<Period, Vec<(OpenBillRow, Fen)>>,
}

/// A bill a household's earlier prepayment (预收) settles when it next pays.
pub(super) struct Applied {
    pub(super) bill: OpenBillRow,
    pub(super) fen: Fen,
    pub(super) payment_id: PaymentId,
    pub(super) receipt_number: i64,
}

/// Plans one payment (pure) on its household's open bills as the batch has left them.
pub(super) fn plan<'r, 'a>(
    req: &'r PaymentRequest<'a>,
    key: &'r str,
    household: HouseholdRow,
    applied: Vec<Applied>,
    open: &[OpenBillRow],
    open_periods: &[Period],
) -> Result<Planned<'r, 'a>> {
    let paid_in = Period::of_date(req.paid_on);
    let prepaid: Vec<BillId> = applied.iter().map(|a| a.bill.id).collect();
    let settle: Vec<(OpenBillRow, Fen)> =
        settlement(open, req, &household, paid_in, &prepaid)?.into_iter().map(|(b, f)| (b.clone(), f)).collect();
    let left_fen = req.amount.0 - settle.iter().map(|(_, f)| f.0).sum::<i64>();
    let mut forward: BTreeMap<Period, Vec<(OpenBillRow, Fen)>> = BTreeMap::new();
    if left_fen > 0 {
        let later: Vec<OpenBill> = open
            .iter()
            .filter(|b| b.period > paid_in && open_periods.contains(&b.period))
            .map(|b| OpenBill { bill_id: b.id, period: b.period, fee_item_id: b.fee_item_id, open_fen: b.open_fen })
            .collect();
        for (id, fen) in allocate_oldest_first(later, Fen(left_fen)).0 {
            let bill = bill_of(open, id);
            forward.entry(bill.period).or_default().push((bill.clone(), fen));
        }
    }
    Ok(Planned { req, key, household, applied, settle, forward })
}

/// What the household's prepayments (预收) settle of its bills billed by `paid_on`, oldest
/// first, before a payment's money does (pure): only prepayments made by that day, each
/// taken down by what it settles. A household does not pay again for a month its own
/// prepayment covers.
pub(super) fn apply_held(open: &[OpenBillRow], held: &mut [PrepaymentRow], paid_on: NaiveDate) -> Vec<Applied> {
    let paid_in = Period::of_date(paid_on);
    let mut left: Vec<OpenBill> = open
        .iter()
        .filter(|b| b.period <= paid_in)
        .map(|b| OpenBill { bill_id: b.id, period: b.period, fee_item_id: b.fee_item_id, open_fen: b.open_fen })
        .collect();
    let mut out = Vec::new();
    for p in held.iter_mut().filter(|p| p.paid_on <= paid_on && p.left_fen > 0) {
        if left.is_empty() {
            break;
        }
        for (bill_id, fen) in allocate_oldest_first(left.clone(), Fen(p.left_fen)).0 {
            if let Some(b) = left.iter_mut().find(|b| b.bill_id == bill_id) {
                b.open_fen -= fen.0;
            }
            p.left_fen -= fen.0;
            out.push(Applied { bill: bill_of(open, bill_id).clone(), fen, payment_id: p.payment_id, receipt_number: p.receipt_number });
        }
        left.retain(|b| b.open_fen > 0);
    }
    out
}

/// The voucher of what a payment's household prepayment settles first, dated on the payment:
/// 借 预收账款 / 贷 应收账款, as a billing run books a prepayment it applies. None when
/// nothing is applied.
pub(super) fn applied_input(accounts: &FeeAccounts, p: &Planned<'_, '_>) -> Option<VoucherInput> {
    let first = p.applied.first()?;
    let fen = Fen(p.applied.iter().map(|a| a.fen.0).sum());
    let receipts = if p.applied.iter().all(|a| a.receipt_number == first.receipt_number) {
        receipt_label(first.receipt_number)
    } else {
        format!("{}等", receipt_label(first.receipt_number))
    };
    let summary = format!("预收抵扣 {} {} 收据{receipts}", household_label(&p.household), item_names(p.applied.iter().map(|a| &a.bill)));
    let dims = Dimensions { household_id: Some(p.household.id), ..Dimensions::default() };
    let line = |account: &str, debit: Fen, credit: Fen| LineInput::new(summary.clone(), account, debit, credit, dims.clone());
    let lines = vec![line(accounts.advance.as_str(), fen, Fen::ZERO), line(accounts.receivable.as_str(), Fen::ZERO, fen)];
    Some(VoucherInput { date: p.req.paid_on, attachments: 0, lines })
}

/// Takes what is settled (bill id, amount) off the open bills, so the next step, or the next
/// payment of the same household in the batch, plans on what is left.
pub(super) fn take_settled(open: &mut Vec<OpenBillRow>, settled: impl IntoIterator<Item = (BillId, Fen)>) {
    for (bill_id, fen) in settled {
        if let Some(b) = open.iter_mut().find(|b| b.id == bill_id) {
            b.open_fen -= fen.0;
        }
    }
    open.retain(|b| b.open_fen > 0);
}

/// What a payment settles at its date (pure): the named bills in the order named, or the
/// oldest first, of the bills billed by then. A named bill that the household's own 预收 has
/// just settled (`prepaid`, applied before the payment's money) is passed over: the cashier
/// ticked it while it was open, and the money goes to the other bills.
pub(super) fn settlement<'a>(
    open: &'a [OpenBillRow],
    req: &PaymentRequest<'_>,
    household: &HouseholdRow,
    paid_in: Period,
    prepaid: &[BillId],
) -> Result<Vec<(&'a OpenBillRow, Fen)>> {
    let Some(ids) = &req.bill_ids else {
        let bills = open
            .iter()
            .filter(|b| b.period <= paid_in)
            .map(|b| OpenBill { bill_id: b.id, period: b.period, fee_item_id: b.fee_item_id, open_fen: b.open_fen })
            .collect();
        let (settled, _) = allocate_oldest_first(bills, req.amount);
        return Ok(settled.into_iter().map(|(bill_id, fen)| (bill_of(open, bill_id), fen)).collect());
    };
    let mut left = req.amount.0;
    let mut out = Vec::new();
    for id in ids {
        let Some(bill) = open.iter().find(|b| b.id == *id) else {
            if prepaid.contains(id) {
                continue;
            }
            return Err(Error::invalid("指定账单", format!("账单 #{id} 不是住户 {} 的未结清账单", household_label(household))));
        };
        if bill.period > paid_in {
            return Err(Error::invalid(
                "指定账单",
                format!(
                    "账单 #{id} 是 {} 的，收款日 {} 时尚未计费；不指定账单时多收的钱记为预收，计费时自动抵扣",
                    bill.period, req.paid_on
                ),
            ));
        }
        let take = left.min(bill.open_fen);
        if take > 0 {
            out.push((bill, Fen(take)));
            left -= take;
        }
    }
    // What is left past the named bills settles the household's other bills billed by then,
    // oldest first, before any is kept as a prepayment: no 预收 while a billed month is owed.
    let others = open
        .iter()
        .filter(|b| b.period <= paid_in && !out.iter().any(|(o, _)| o.id == b.id))
        .map(|b| OpenBill { bill_id: b.id, period: b.period, fee_item_id: b.fee_item_id, open_fen: b.open_fen })
        .collect();
    let (rest, _) = allocate_oldest_first(others, Fen(left));
    out.extend(rest.into_iter().map(|(bill_id, fen)| (bill_of(open, bill_id), fen)));
    Ok(out)
}

pub(super) fn bill_of(open: &[OpenBillRow], bill_id: BillId) -> &OpenBillRow {
    open.iter().find(|b| b.id == bill_id).expect("the allocation settles only bills it was given")
}

/// The fee items a voucher summary names: "物业服务费、生活垃圾处置费".
pub(super) fn item_names<'a>(bills: impl IntoIterator<Item = &'a OpenBillRow>) -> String {
    let mut names: Vec<&str> = Vec::new();
    for b in bills {
        if !names.contains(&b.fee_item_name.as_str()) {
            names.push(&b.fee_item_name);
        }
    }
    names.join("、")
}

/// The payment voucher's lines (pure): 借 the money account, 贷 应收账款 for what it settles
/// and 预收账款 for the rest. Summaries name the fee items settled; `by_item` splits the
/// credit to 应收账款 by fee item (a day's voucher sums them so).
pub(super) fn payment_lines(
    accounts: &FeeAccounts,
    req: &PaymentRequest<'_>,
    household: &HouseholdRow,
    number: i64,
    settle: &[(OpenBillRow, Fen)],
    (money, by_item): (&str, bool),
) -> Vec<LineInput> {
    let (label, who) = (receipt_label(number), household_label(household));
    let settled_fen: i64 = settle.iter().map(|(_, f)| f.0).sum();
    let dims = Dimensions { household_id: Some(household.id), ..Dimensions::default() };
    let line = |summary: String, account: &str, debit: Fen, credit: Fen| LineInput::new(summary, account, debit, credit, dims.clone());
    let settled_summary = format!("收 {who} {} 收据{label}", item_names(settle.iter().map(|(b, _)| b)));
    let prepaid_summary = format!("预收 {who} 预交款 收据{label}");
    let money_summary = if settled_fen > 0 { settled_summary.clone() } else { prepaid_summary.clone() };
    let mut lines = vec![line(money_summary, money, req.amount, Fen::ZERO)];
    if by_item {
        let mut per_item: BTreeMap<FeeItemId, (&str, i64)> = BTreeMap::new();
        for (bill, fen) in settle {
            per_item.entry(bill.fee_item_id).or_insert((&bill.fee_item_name, 0)).1 += fen.0;
        }
        for (item_id, (name, fen)) in per_item {
            let dims = Dimensions { household_id: Some(household.id), fee_item_id: Some(item_id), ..Dimensions::default() };
            let summary = format!("收 {who} {name} 收据{label}");
            lines.push(LineInput::new(summary, accounts.receivable.as_str(), Fen::ZERO, Fen(fen), dims));
        }
    } else if settled_fen > 0 {
        lines.push(line(settled_summary, accounts.receivable.as_str(), Fen::ZERO, Fen(settled_fen)));
    }
    let prepaid = req.amount.0 - settled_fen;
    if prepaid > 0 {
        lines.push(line(prepaid_summary, accounts.advance.as_str(), Fen::ZERO, Fen(prepaid)));
    }
    lines
}

/// The account a payment by `method` is booked to: the book's setting (`fee settings
/// --account 微信=101201`), else the chart's default; it must be a leaf.
pub(crate) fn money_account(book: &Book, accounts: &FeeAccounts, method: Method) -> Result<String> {
    let (set, default) = match method {
        Method::Cash => (&book.row.cash_account, &accounts.cash),
        Method::Bank => (&book.row.bank_account, &accounts.bank),
        Method::Wechat => (&book.row.wechat_account, &accounts.wallet),
        Method::Alipay => (&book.row.alipay_account, &accounts.wallet),
    };
    let code = set.clone().unwrap_or_else(|| default.to_string());
    match AccountCode::parse(&code).and_then(|c| book.chart.get(&c)) {
        Some(account) if account.is_leaf => Ok(code),
        _ => Err(Error::invalid(
            "收款科目",
            format!(
                "{}收款记入的科目 {code} 不是末级科目；请用 fee settings --account {}=明细科目编码 指定",
                method.label(),
                method.label()
            ),
        )),
    }
}

/// One voucher per later month, dated on its billing day: 借 预收账款 / 贷 应收账款, as the
/// month's billing run books a prepayment it applies.
pub(super) fn forward_inputs(
    accounts: &FeeAccounts,
    household: &HouseholdRow,
    number: i64,
    by_month: &BTreeMap<Period, Vec<(OpenBillRow, Fen)>>,
) -> Vec<(Period, VoucherInput)> {
    let (label, who) = (receipt_label(number), household_label(household));
    by_month
        .iter()
        .map(|(month, bills)| {
            let fen = Fen(bills.iter().map(|(_, f)| f.0).sum());
            let summary = format!("{month} 预收抵扣 {who} {} 收据{label}", item_names(bills.iter().map(|(b, _)| b)));
            let dims = Dimensions { household_id: Some(household.id), ..Dimensions::default() };
            let line = |account: &str, debit: Fen, credit: Fen| LineInput::new(summary.clone(), account, debit, credit, dims.clone());
            let lines = vec![line(accounts.advance.as_str(), fen, Fen::ZERO), line(accounts.receivable.as_str(), Fen::ZERO, fen)];
            (*month, VoucherInput { date: month.first_day(), attachments: 0, lines })
        })
        .collect()
}

impl Planned<'_, '_> {
    pub(super) fn settled_fen(&self) -> i64 {
        self.settle.iter().map(|(_, f)| f.0).sum()
    }
}
