//! The fee wing's checks for `verify` (invariant 5): at every month end the household
//! subledger equals 应收账款 plus 预收账款, the subledger agrees with itself, and the maintained
//! per-building figures agree with the bills.

use std::collections::BTreeMap;

use crate::domain::ids::AccountId;
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::error::Result;
use crate::fees::figures::FiguresTx;
use crate::fees::rows::{FlowRow, SubledgerPeriodRow};
use crate::fees::rules::FlowKind;
use crate::fees::seal::verify::BillTotals;
use crate::fees::store::FeesStore;
use crate::fees::store::FeesTx;
use crate::ledger::chart;
use crate::ledger::store::LedgerTx;
use crate::ledger::Book;

/// Invariant 5: at every month end, open bills minus prepayments (the household subledger)
/// equal the balance of 应收账款 plus 预收账款; and the subledger agrees with itself (what its
/// allocations leave open equals what was billed less what was paid and waived).
pub async fn verify_book<S: FeesStore>(store: &S, book: &Book, fail: &mut impl FnMut(u8, String)) -> Result<()> {
    let Some(fee) = &chart::load(&book.row.chart)?.fee_accounts else {
        // A book without fees (the collective's) still seals the other wings' rows.
        crate::fees::seal::verify::verify_book(store, book, fail).await?;
        return Ok(());
    };
    let ids: Vec<AccountId> = [&fee.receivable, &fee.advance].iter().filter_map(|c| book.account_id(c.as_str())).collect();
    // The seals' pass is the one read of every bill; what the checks below need of the bills
    // is summed on the way. The rest the checks compare is read meanwhile, on a read of its
    // own (on Citus each statement is a round trip through the coordinator).
    let others = async {
        let mut tx = store.read().await?;
        let (periods, opening, maintained) =
            (tx.periods(book.key()).await?, tx.opening_balances(book.key()).await?, tx.balances(book.key()).await?);
        let by_period: BTreeMap<Period, SubledgerPeriodRow> =
            tx.subledger_by_period(book.key()).await?.into_iter().map(|r| (r.period, r)).collect();
        let (flows, recomputed) = (tx.flows(book.key(), None).await?, tx.flows_recomputed(book.key()).await?);
        let allocated = tx.allocated_on_bills(book.key()).await?;
        let prepaid: i64 = tx.prepayments(book.key(), None).await?.iter().map(|p| p.left_fen).sum();
        Ok::<_, crate::error::Error>((periods, opening, maintained, by_period, flows, recomputed, allocated, prepaid))
    };
    let (bills, (periods, opening, maintained, by_period, flows, recomputed, (allocated, beyond), prepaid)) =
        tokio::try_join!(crate::fees::seal::verify::verify_book(store, book, fail), others)?;
    let mut ledger_fen: i64 = opening.iter().filter(|o| ids.contains(&o.account_id)).map(|o| o.balance_fen).sum();
    let mut movements: BTreeMap<Period, i64> = BTreeMap::new();
    for b in maintained.iter().filter(|b| ids.contains(&b.account_id)) {
        *movements.entry(b.period).or_default() += b.debit_fen - b.credit_fen;
    }
    // Payments waiting for their day's close (日结) are in the subledger, not yet in the ledger.
    let mut subledger_fen = 0i64;
    for p in &periods {
        ledger_fen += movements.get(&p.period).copied().unwrap_or(0);
        subledger_fen += bills.by_period.get(&p.period.key()).copied().unwrap_or(0);
        if let Some(r) = by_period.get(&p.period) {
            subledger_fen += r.billed_fen - r.paid_fen - r.waived_fen + r.pending_fen;
        }
        if subledger_fen != ledger_fen {
            fail(
                5,
                format!(
                    "{} 月末住户子账（未结清账单减预收款）为 {}，而{}与{}余额合计为 {}，相差 {}",
                    p.period,
                    Fen(subledger_fen),
                    fee.receivable,
                    fee.advance,
                    Fen(ledger_fen),
                    Fen(subledger_fen - ledger_fen)
                ),
            );
        }
    }
    check_flows(&flows, recomputed, &bills, fail);
    for (bill, amount, settled) in beyond {
        fail(5, format!("账单 #{bill} 金额 {}，而核销合计 {}：超出账单或为负", Fen(amount), Fen(settled)));
    }
    let open = bills.total_fen - allocated;
    let total: i64 = bills.total_fen + by_period.values().map(|r| r.billed_fen - r.paid_fen - r.waived_fen).sum::<i64>();
    if open - prepaid != total {
        fail(5, format!("住户子账自身不符：未结清账单 {} 减预收款 {} 不等于应收减已收减减免 {}", Fen(open), Fen(prepaid), Fen(total)));
    }
    Ok(())
}

/// The maintained per-building figures the fee reports read, against the bills themselves
/// (`billed` from the seals' pass, the rest recomputed from the allocations).
fn check_flows(maintained: &[FlowRow], mut recomputed: Vec<FlowRow>, bills: &BillTotals, fail: &mut impl FnMut(u8, String)) {
    let key = |f: &FlowRow| (f.building.clone(), f.bill_period, f.event_period, f.kind);
    let mut maintained_flows: BTreeMap<_, i64> = maintained.iter().map(|f| (key(f), f.amount_fen)).collect();
    for ((building, period), fen) in &bills.by_building {
        let Some(period) = Period::from_key(*period) else { continue };
        recomputed.push(FlowRow {
            building: building.clone(),
            bill_period: period,
            event_period: period,
            kind: FlowKind::Billed,
            amount_fen: *fen,
        });
    }
    for f in recomputed {
        let stored = maintained_flows.remove(&key(&f)).unwrap_or(0);
        if stored != f.amount_fen {
            fail(
                5,
                format!(
                    "{} 栋 {} 账单的{}（{}）：统计表为 {}，由账单重算为 {}",
                    f.building,
                    f.bill_period,
                    f.kind.label(),
                    f.event_period,
                    Fen(stored),
                    Fen(f.amount_fen)
                ),
            );
        }
    }
    for ((building, bill_period, event_period, kind), fen) in maintained_flows {
        if fen != 0 {
            fail(5, format!("{building} 栋 {} 账单的{}（{}）：统计表有 {}，账单中没有", bill_period, kind.label(), event_period, Fen(fen)));
        }
    }
}
