//! 计费: a month's billing run, idempotent, with one summary voucher.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use rust_decimal::Decimal;

use chrono::Utc;

use crate::domain::ids::{BillId, FeeItemId, HouseholdId, PaymentId, UnitId, VoucherId};
use crate::domain::money::Fen;
use crate::domain::natural::Natural;
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::fees::rows::{AllocationRow, FeeItemRow, HouseholdRow, NewBillingRun, OpenBillRow, PrepaymentRow};
use crate::fees::rules::{apply_prepayments, plan_bills, BillKey, BillingInputs, BillingPlan};
use crate::fees::seal::master;
use crate::fees::seal::{AllocationSeal, BillSeal, BillsSeal, RunSeal, Source, SubledgerRows};
use crate::fees::settle::{write_bills, write_settlements, Settlement};
use crate::fees::store::FeesStore;
use crate::fees::store::{BillingRunsTx, FeesTx, SealTx};
use crate::fees::units::UnitRow;
use crate::fees::vat::{book_vat, item_rates, output_tax};
use crate::fees::{fee_accounts, household_label, BillingRun, Fees, SYSTEM_MAKER};
use crate::ledger::account::FeeAccounts;
use crate::ledger::store::LedgerTx;
use crate::ledger::voucher::{Dimensions, LineInput, VoucherInput, VoucherKind};
use crate::ledger::{check_period_open, post_approved, ApprovedVoucher, Book};
use crate::store::Tx;

impl<S: FeesStore> Fees<S> {
    /// 计费: bills every household for `period` for the given fee items (all when empty),
    /// skipping what is already billed, so running a month twice bills nothing new. Posts one
    /// summary voucher (借 应收账款, 贷 each item's revenue, per building and item) and applies
    /// prepayments to the open bills, oldest first.
    pub async fn run_billing(&self, book: &Book, period: Period, item_codes: &[String], user: &str) -> Result<BillingRun> {
        self.bill(book, period, item_codes, user, true).await
    }

    /// What `run_billing` would do now, without doing it: the whole run is made in its
    /// transaction (every rule checked, the voucher numbered) and then rolled back, so the
    /// preview cannot differ from the run by a separate code path.
    pub async fn preview_billing(&self, book: &Book, period: Period, item_codes: &[String], user: &str) -> Result<BillingRun> {
        self.bill(book, period, item_codes, user, false).await
    }

    async fn bill(&self, book: &Book, period: Period, item_codes: &[String], user: &str, commit: bool) -> Result<BillingRun> {
        let accounts = fee_accounts(book)?;
        let mut tx = self.store().begin().await?;
        // The book's row first, as a payment takes it (see `record_payment`): two runs, or a
        // run and a payment, never apply one prepayment twice.
        tx.claim_chain(book.key(), 0, 0).await?;
        // The run seals the head of the master data it bills from; a community upgraded from
        // before the chain existed has its master data recorded first.
        master::record(&mut tx, book.row.community_id, &[]).await?;
        let (master_seq, master_head) = tx.master_head(book.row.community_id).await?;
        let items = items_to_bill(&mut tx, book, item_codes).await?;
        // A month is billed on its first day, which must lie in an open period of the book.
        check_period_open(&mut tx, book, period.first_day()).await?;
        let RunPlan { households, plan, tax, tax_account, held, lines } = plan_run(&mut tx, book, period, &items).await?;
        if plan.bills.is_empty() {
            return Ok(nothing_billed(period, held, lines));
        }
        let total: i64 = plan.bills.iter().map(|b| b.amount_fen).sum();
        let prepaid = tx.prepayments(book.key(), None).await?;
        let by_building = billed_by_building(&plan);
        let run = NewBillingRun {
            book: book.key(),
            period,
            voucher_id: None,
            bills: plan.bills.len() as i64,
            total_fen: total,
            created_by: user,
            created_at: Utc::now(),
            master_seq,
            master_head: &master_head,
            by_building: &by_building,
        };
        let run_id = tx.insert_billing_run(&run).await?;
        let billed = plan.per_building_item_fen.iter().map(|((building, _), fen)| (building.0.clone(), period, *fen));
        write_bills(&mut tx, book, run_id, &plan.bills, billed).await?;
        let mut settlements = settle_from_prepayments(&mut tx, book, &households, &prepaid, period).await?;
        let applied: i64 = settlements.iter().map(|s| s.allocation.amount_fen).sum();
        let sealed = run_rows(&run, &plan, &settlements, &prepaid);
        let voucher_lines = billing_lines(book, &accounts, period, &items, &plan, (&tax, tax_account), applied)?;
        let voucher = run_voucher(period, voucher_lines, user, &sealed);
        let posted = post_approved(&mut tx, book, user, std::slice::from_ref(&voucher)).await?;
        tx.set_billing_run_voucher(book.key(), run_id, posted[0].voucher_id).await?;
        for s in &mut settlements {
            s.voucher_id = posted[0].voucher_id;
        }
        write_settlements(&mut tx, book, &settlements).await?;
        if commit {
            tx.commit().await?;
        }
        Ok(BillingRun {
            run: Some(run_id),
            period: period.to_string(),
            bills: plan.bills.len(),
            total: Fen(total),
            prepayment_applied: Fen(applied),
            voucher: posted.first().map(|p| p.label.clone()),
            held,
            lines,
        })
    }
}

/// What a run will bill, planned in its transaction before anything is written: the bills
/// with their output tax, that tax by building and item and the account it is owed on, and
/// what the accountant checks (the bills held back, each line beside last month's).
struct RunPlan {
    households: Vec<HouseholdRow>,
    plan: BillingPlan,
    tax: BTreeMap<(Natural, FeeItemId), i64>,
    tax_account: Option<&'static str>,
    held: Vec<String>,
    lines: Vec<crate::fees::BilledLine>,
}

/// Reads what the month bills from (the community's households and units, the standards, the
/// month's bills so far and its meter readings) and plans the run.
async fn plan_run<T: FeesTx>(tx: &mut T, book: &Book, period: Period, items: &[FeeItemRow]) -> Result<RunPlan> {
    let households = tx.households(book.row.community_id).await?;
    let units = tx.units(book.row.community_id).await?;
    let standards = tx.fee_standards(book.key()).await?;
    let keys = tx.bill_keys(book.key(), period).await?;
    let already: HashSet<BillKey> = keys.iter().filter(|k| k.live > 0).map(|k| (k.household_id, k.unit_id, k.fee_item_id)).collect();
    let issued: HashMap<BillKey, i64> = keys.iter().map(|k| ((k.household_id, k.unit_id, k.fee_item_id), k.issues)).collect();
    let readings = tx.meter_readings(book.key(), period).await?;
    let inputs = BillingInputs {
        households: &households,
        units: &units,
        items,
        standards: &standards,
        already: &already,
        issued: &issued,
        readings: &readings,
    };
    let mut plan = plan_bills(period, &inputs)?;
    let vat = book_vat(book)?;
    let rates = vat.map(|(rate, _)| item_rates(items, rate)).transpose()?;
    let tax = split_vat(&mut plan, &households, rates.as_ref())?;
    let held = held_lines(&households, &units, items, &plan);
    let before = tx.billed_by_building_item(book.key(), period.prev()).await?;
    let lines = billed_lines(&plan, items, &before);
    Ok(RunPlan { households, plan, tax, tax_account: vat.map(|(_, account)| account), held, lines })
}

/// A run with no new bills: nothing written, only what it would have billed and held.
fn nothing_billed(period: Period, held: Vec<String>, lines: Vec<crate::fees::BilledLine>) -> BillingRun {
    BillingRun {
        run: None,
        period: period.to_string(),
        bills: 0,
        total: Fen::ZERO,
        prepayment_applied: Fen::ZERO,
        voucher: None,
        held,
        lines,
    }
}

/// What the prepayments settle of the open bills of the households holding one, this month's
/// new bills among them.
async fn settle_from_prepayments<T: FeesTx>(
    tx: &mut T,
    book: &Book,
    households: &[HouseholdRow],
    prepaid: &[PrepaymentRow],
    period: Period,
) -> Result<Vec<Settlement>> {
    // Read after the insert, so this month's bills are among them with their ids; only the
    // bills of households holding a prepayment can be settled by one.
    let holders: BTreeSet<HouseholdId> = prepaid.iter().map(|p| p.household_id).collect();
    let holders: Vec<HouseholdId> = holders.into_iter().collect();
    let open_now = if holders.is_empty() { Vec::new() } else { tx.open_bills_of(book.key(), &holders).await? };
    Ok(prepayment_settlements(households, &open_now, prepaid, period))
}

/// The run's voucher, approved by the one who runs it; the lines are `billing_lines`.
fn run_voucher(period: Period, lines: Vec<LineInput>, user: &str, sealed: &SubledgerRows) -> ApprovedVoucher {
    ApprovedVoucher {
        input: VoucherInput { date: period.first_day(), attachments: 1, lines },
        kind: VoucherKind::Normal,
        maker: SYSTEM_MAKER.into(),
        reviewer: user.into(),
        reverses_id: None,
        subledger: sealed.digest(),
    }
}

/// "1-1-101 水费：缺少上期读数…", "1-1-101 储藏室 C-12 物业服务费：…", one per bill held back.
fn held_lines(households: &[HouseholdRow], units: &[UnitRow], items: &[FeeItemRow], plan: &BillingPlan) -> Vec<String> {
    let household: HashMap<HouseholdId, &HouseholdRow> = households.iter().map(|h| (h.id, h)).collect();
    let unit: HashMap<UnitId, &UnitRow> = units.iter().map(|u| (u.id, u)).collect();
    let item: HashMap<FeeItemId, &str> = items.iter().map(|f| (f.id, f.name.as_str())).collect();
    plan.held
        .iter()
        .map(|b| {
            let mut who = household.get(&b.household_id).map_or_else(|| format!("住户 #{}", b.household_id), |h| household_label(h));
            if let Some(u) = b.unit_id.and_then(|id| unit.get(&id)) {
                who = format!("{who} {}", u.label());
            }
            format!("{who} {}：{}", item.get(&b.fee_item_id).unwrap_or(&"?"), b.reason.label())
        })
        .collect()
}

/// What the plan bills per building and fee item beside last month's (pure), in the office's
/// building order; a line billed last month and not now shows with 0.
fn billed_lines(plan: &BillingPlan, items: &[FeeItemRow], before: &[(String, FeeItemId, i64)]) -> Vec<crate::fees::BilledLine> {
    let name: HashMap<FeeItemId, &str> = items.iter().map(|f| (f.id, f.name.as_str())).collect();
    let mut both: BTreeMap<(Natural, FeeItemId), (i64, i64)> = BTreeMap::new();
    for ((building, item), fen) in &plan.per_building_item_fen {
        both.entry((building.clone(), *item)).or_default().0 += fen;
    }
    for (building, item, fen) in before.iter().filter(|(_, item, _)| name.contains_key(item)) {
        both.entry((Natural(building.clone()), *item)).or_default().1 += fen;
    }
    both.into_iter()
        .map(|((building, item), (now, then))| crate::fees::BilledLine {
            building: building.0,
            fee_item: name.get(&item).copied().unwrap_or("?").to_string(),
            amount: Fen(now),
            last_month: Fen(then),
            change: Fen(now - then),
        })
        .collect()
}

/// What the households' prepayments settle of their open bills, as allocations dated in the
/// billed month.
fn prepayment_settlements(
    households: &[HouseholdRow],
    open_now: &[OpenBillRow],
    prepaid: &[PrepaymentRow],
    period: Period,
) -> Vec<Settlement> {
    let building_of: HashMap<HouseholdId, &str> = households.iter().map(|h| (h.id, h.building.as_str())).collect();
    let bill_of: HashMap<BillId, (HouseholdId, Period)> = open_now.iter().map(|b| (b.id, (b.household_id, b.period))).collect();
    apply_prepayments(open_now, prepaid)
        .into_iter()
        .map(|(bill_id, payment_id, fen)| {
            let (household_id, bill_period) = bill_of[&bill_id];
            Settlement {
                allocation: AllocationRow {
                    bill_id,
                    payment_id: Some(payment_id),
                    waiver_id: None,
                    void_id: None,
                    amount_fen: fen.0,
                    period,
                    reversal_id: None,
                },
                building: building_of.get(&household_id).expect("a bill's household is one of the community's (foreign key)").to_string(),
                bill_period,
                voucher_id: VoucherId(0),
            }
        })
        .collect()
}

/// What the run billed per building, in the office's order, as JSON (pure): recorded on the
/// run and sealed with it, it is what `verify` checks the reports' figures against.
fn billed_by_building(plan: &BillingPlan) -> String {
    let mut sums: BTreeMap<&Natural, i64> = BTreeMap::new();
    for ((building, _), fen) in &plan.per_building_item_fen {
        *sums.entry(building).or_default() += fen;
    }
    let list: Vec<(&str, i64)> = sums.into_iter().map(|(b, fen)| (b.0.as_str(), fen)).collect();
    serde_json::to_string(&list).expect("a list of names and integers always serializes")
}

/// What the run's voucher seals (pure): the run, its bills in the order written, and what the
/// prepayments settled, each naming its payment by receipt number.
fn run_rows(run: &NewBillingRun<'_>, plan: &BillingPlan, settlements: &[Settlement], prepaid: &[PrepaymentRow]) -> SubledgerRows {
    let receipt: HashMap<PaymentId, i64> = prepaid.iter().map(|p| (p.payment_id, p.receipt_number)).collect();
    SubledgerRows {
        runs: vec![RunSeal {
            voucher_id: VoucherId(0),
            period: run.period.key(),
            bills: run.bills,
            total_fen: run.total_fen,
            created_by: run.created_by.to_string(),
            master_seq: Some(run.master_seq),
            master_head: Some(run.master_head.to_string()),
            by_building: Some(run.by_building.to_string()),
        }],
        bills: vec![BillsSeal::of(
            &plan
                .bills
                .iter()
                .map(|b| BillSeal {
                    voucher_id: VoucherId(0),
                    household_id: b.household_id,
                    unit_id: b.unit_id,
                    fee_item_id: b.fee_item_id,
                    period: b.period.key(),
                    issue: b.issue,
                    amount_fen: b.amount_fen,
                    tax_fen: b.tax_fen,
                })
                .collect::<Vec<_>>(),
        )],
        allocations: settlements
            .iter()
            .map(|s| {
                let a = &s.allocation;
                let number = a.payment_id.and_then(|id| receipt.get(&id).copied());
                AllocationSeal::new(a.bill_id, Source::Payment, number, a.amount_fen, a.period.key())
            })
            .collect(),
        ..SubledgerRows::default()
    }
}

/// The fee items a run bills: those named (each must exist), or all of the book's.
async fn items_to_bill<T: FeesTx>(tx: &mut T, book: &Book, item_codes: &[String]) -> Result<Vec<FeeItemRow>> {
    let items: Vec<FeeItemRow> = tx.fee_items(book.key()).await?;
    if let Some(code) = item_codes.iter().find(|code| !items.iter().any(|f| &f.code == *code)) {
        return Err(Error::not_found(format!("收费项目 {code}")));
    }
    Ok(items.into_iter().filter(|f| item_codes.is_empty() || item_codes.contains(&f.code)).collect())
}

/// Sets each bill's output tax at its item's rate (none without VAT); returns the tax by
/// building and item. An item without a rate is refused, not billed without tax.
fn split_vat(
    plan: &mut BillingPlan,
    households: &[HouseholdRow],
    rates: Option<&HashMap<FeeItemId, Decimal>>,
) -> Result<BTreeMap<(Natural, FeeItemId), i64>> {
    let Some(rates) = rates else { return Ok(BTreeMap::new()) };
    let building: HashMap<HouseholdId, &str> = households.iter().map(|h| (h.id, h.building.as_str())).collect();
    let mut tax: HashMap<(&str, FeeItemId), i64> = HashMap::new();
    for b in &mut plan.bills {
        let rate = rates
            .get(&b.fee_item_id)
            .copied()
            .ok_or_else(|| Error::invalid("增值税税率", format!("收费项目 #{} 没有适用的税率，不能计算销项税额", b.fee_item_id)))?;
        b.tax_fen = output_tax(Fen(b.amount_fen), rate).0;
        *tax.entry((building[&b.household_id], b.fee_item_id)).or_default() += b.tax_fen;
    }
    Ok(tax.into_iter().map(|((building, item_id), fen)| ((Natural(building.to_string()), item_id), fen)).collect())
}

/// The run's voucher lines (pure): 借 应收账款 / 贷 the item's revenue (不含税) per building and
/// item, 贷 the output tax per item, then the prepayments applied (借 预收账款 / 贷 应收账款).
#[allow(clippy::too_many_arguments)]
fn billing_lines(
    book: &Book,
    accounts: &FeeAccounts,
    period: Period,
    items: &[FeeItemRow],
    plan: &BillingPlan,
    (tax, tax_account): (&BTreeMap<(Natural, FeeItemId), i64>, Option<&str>),
    applied_fen: i64,
) -> Result<Vec<LineInput>> {
    let item_by_id: HashMap<FeeItemId, &FeeItemRow> = items.iter().map(|f| (f.id, f)).collect();
    let line = |summary: &str, account: &str, debit: i64, credit: i64, dimensions: Dimensions| {
        LineInput::new(summary, account, Fen(debit), Fen(credit), dimensions)
    };
    let mut lines = Vec::with_capacity(2 * plan.per_building_item_fen.len() + 2);
    for ((Natural(building), item_id), fen) in &plan.per_building_item_fen {
        let item = item_by_id[item_id];
        let summary = format!("{period} {} {building}栋", item.name);
        let dims = Dimensions { fee_item_id: Some(*item_id), ..Dimensions::default() };
        let tax_fen = tax.get(&(Natural(building.clone()), *item_id)).copied().unwrap_or(0);
        lines.push(line(&summary, accounts.receivable.as_str(), *fen, 0, dims.clone()));
        lines.push(line(&summary, book.code_of(item.revenue_account_id)?, 0, fen - tax_fen, dims));
    }
    if let Some(account) = tax_account {
        let mut per_item: BTreeMap<FeeItemId, i64> = BTreeMap::new();
        for ((_, item_id), fen) in tax {
            *per_item.entry(*item_id).or_default() += fen;
        }
        for (item_id, fen) in per_item.into_iter().filter(|(_, fen)| *fen > 0) {
            // A small-scale taxpayer's tax is 应交增值税 itself; a general taxpayer's its 销项税额 专栏.
            let tax_label = if account == crate::fees::vat::VAT_PAYABLE { "应交增值税" } else { "销项税额" };
            let summary = format!("{period} {} {tax_label}", item_by_id[&item_id].name);
            lines.push(line(&summary, account, 0, fen, Dimensions { fee_item_id: Some(item_id), ..Dimensions::default() }));
        }
    }
    if applied_fen > 0 {
        let summary = format!("{period} 预收物业费抵扣应收");
        lines.push(line(&summary, accounts.advance.as_str(), applied_fen, 0, Dimensions::default()));
        lines.push(line(&summary, accounts.receivable.as_str(), 0, applied_fen, Dimensions::default()));
    }
    Ok(lines)
}
