//! Property fees: households, fee items and standards, billing runs, payments with numbered
//! receipts, voids (by red-ink reversal) and waivers. Bills are the household-level subledger
//! of 应收账款/预收账款 and tie to the ledger (DESIGN.md invariant 5); every operation is one
//! transaction, and its voucher is posted in that same transaction.

pub mod table;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::chart;
use crate::domain::account::FeeAccounts;
use crate::domain::billing::{allocate_oldest_first, metered_use, monthly_charge, FeeBasis, HouseholdKind, OpenBill, Quantity};
use crate::domain::capital::capital_amount;
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::domain::voucher::{Dimensions, LineInput, VoucherInput, VoucherKind};
use crate::error::{Error, Result};
use crate::ledger::{check_user, post_approved, post_claimed, ApprovedVoucher, Book, Ledger};
use crate::store::{
    AllocationRow, FeeItemRow, FeeStandardRow, FlowRow, HouseholdRow, MeterReadingRow, NewBill, NewBillingRun, NewHousehold, NewPayment,
    NewPaymentVoid, NewWaiver, OpenBillRow, PaymentRow, Store, Tx,
};
use table::TextTable;

/// Who makes the vouchers that billing and payments generate: the posting rule, reviewed by
/// the person who ran the operation (制单与审核分离).
pub const SYSTEM_MAKER: &str = "系统";

/// How a payment arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Cash,
    Bank,
    Wechat,
    Alipay,
}

impl Method {
    pub fn parse(text: &str) -> Option<Method> {
        Some(match text.trim() {
            "cash" | "现金" => Method::Cash,
            "bank" | "银行" | "转账" => Method::Bank,
            "wechat" | "微信" => Method::Wechat,
            "alipay" | "支付宝" => Method::Alipay,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Cash => "cash",
            Method::Bank => "bank",
            Method::Wechat => "wechat",
            Method::Alipay => "alipay",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Method::Cash => "现金",
            Method::Bank => "银行转账",
            Method::Wechat => "微信",
            Method::Alipay => "支付宝",
        }
    }
}

/// "1-2-301": building, unit and room, as the office writes a household.
pub fn household_label(h: &HouseholdRow) -> String {
    format!("{}-{}-{}", h.building, h.unit, h.room)
}

fn fee_accounts(book: &Book) -> Result<FeeAccounts> {
    chart::load(&book.row.chart)?
        .fee_accounts
        .clone()
        .ok_or_else(|| Error::invalid("账套", format!("账套 {} 的科目模板不用于收取物业费", book.row.code)))
}

fn account_id(book: &Book, code: &crate::domain::account::AccountCode) -> Result<i64> {
    book.account_id(code.as_str()).ok_or_else(|| Error::not_found(format!("科目 {code}")))
}

#[derive(Debug, Default, serde::Serialize)]
pub struct HouseholdImport {
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
}

/// Parses a household file: every bad row is reported (row number and reason), or none is
/// imported.
pub fn parse_households(bytes: &[u8]) -> Result<Vec<NewHousehold>> {
    let table = TextTable::read(bytes)?;
    let col = |names: &[&str], label: &str| table.column(names).ok_or_else(|| Error::csv(1, label, "缺少此列"));
    let building = col(&["楼栋", "building"], "楼栋")?;
    let unit = table.column(&["单元", "unit"]);
    let room = col(&["房号", "room"], "房号")?;
    let area = col(&["建筑面积", "面积", "area_m2"], "建筑面积")?;
    let kind = col(&["类型", "kind"], "类型")?;
    let owner = col(&["业主", "owner_name"], "业主")?;
    let phone = table.column(&["电话", "phone"]);
    let move_in = table.column(&["入住日期", "move_in_date"]);
    let mut problems = Vec::new();
    let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
    let mut out = Vec::new();
    for (i, r) in table.rows.iter().enumerate() {
        let row = i + 2;
        let cell = |c: Option<usize>| c.and_then(|c| r.get(c)).map_or("", |s| s.trim());
        let key = (cell(Some(building)).to_string(), cell(unit).to_string(), cell(Some(room)).to_string());
        let mut fail = |column: &str, reason: String| problems.push(format!("第 {row} 行“{column}”列：{reason}"));
        if key.0.is_empty() || key.2.is_empty() {
            fail("楼栋/房号", "不能为空".into());
            continue;
        }
        if let Some(first) = seen.insert(key.clone(), row) {
            fail("房号", format!("{}-{}-{} 与第 {first} 行重复", key.0, key.1, key.2));
            continue;
        }
        let area_text = cell(Some(area));
        let area_m2 = match Decimal::from_str(area_text) {
            Ok(a) if a <= Decimal::ZERO => {
                fail("建筑面积", format!("“{area_text}”须大于零"));
                continue;
            }
            Ok(a) if a.normalize().scale() > 2 => {
                fail("建筑面积", format!("“{area_text}”最多两位小数"));
                continue;
            }
            Ok(a) => a,
            Err(_) => {
                fail("建筑面积", format!("“{area_text}”不是数字"));
                continue;
            }
        };
        let Some(k) = HouseholdKind::parse(cell(Some(kind))) else {
            fail("类型", format!("“{}”不是住宅、商铺、车库或车位", cell(Some(kind))));
            continue;
        };
        let move_in_date = match cell(move_in) {
            "" => None,
            t => match NaiveDate::parse_from_str(t, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(t, "%Y/%m/%d")) {
                Ok(d) => Some(d),
                Err(_) => {
                    fail("入住日期", format!("“{t}”不是日期（2025-03-21）"));
                    continue;
                }
            },
        };
        let owner_name = cell(Some(owner)).to_string();
        if owner_name.is_empty() {
            fail("业主", "不能为空".into());
            continue;
        }
        let hundredths = (area_m2 * Decimal::ONE_HUNDRED).trunc();
        out.push(NewHousehold {
            building: key.0,
            unit: key.1,
            room: key.2,
            area_m2_hundredths: i64::try_from(hundredths).unwrap_or(i64::MAX),
            kind: k.as_str(),
            owner_name,
            phone: cell(phone).to_string(),
            move_in_date,
        });
    }
    if !problems.is_empty() {
        return Err(Error::invalid(format!("住户文件有 {} 行错误，未导入任何一行", problems.len()), format!("\n{}", problems.join("\n"))));
    }
    Ok(out)
}

#[derive(Debug, serde::Serialize)]
pub struct BillingRun {
    pub period: String,
    pub bills: usize,
    pub total: Fen,
    pub prepayment_applied: Fen,
    /// "记-0012", or None when nothing new was billed.
    pub voucher: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SettledBill {
    pub bill_id: i64,
    pub period: String,
    pub fee_item: String,
    pub amount: Fen,
}

/// 收据: what a payment printed, and returns again when the same idempotency key comes back.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Receipt {
    pub book: String,
    pub number: i64,
    /// "No.000123"
    pub label: String,
    pub household: String,
    pub owner_name: String,
    pub method: String,
    pub paid_on: NaiveDate,
    pub amount: Fen,
    /// 大写金额
    pub amount_in_words: String,
    pub settled: Vec<SettledBill>,
    /// What this payment left as a prepayment (预收).
    pub prepaid: Fen,
    pub voucher: String,
    /// The payment voucher's link in the book's hash chain: printed on the receipt, so that
    /// anyone can check it against the published ledger fingerprint.
    pub fingerprint: String,
    pub cashier: String,
    /// True when this is the answer to a repeated idempotency key.
    pub replayed: bool,
    /// True once the payment has been voided by a reversing entry.
    pub voided: bool,
}

pub struct PaymentRequest<'a> {
    pub household_id: i64,
    pub amount: Fen,
    pub method: Method,
    pub paid_on: NaiveDate,
    pub idempotency_key: &'a str,
    pub cashier: &'a str,
    /// Settle these bills (in this order) instead of the oldest first.
    pub bill_ids: Option<Vec<i64>>,
}

/// A fee item as an accountant defines it.
pub struct FeeItemSpec<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub basis: FeeBasis,
    pub revenue_account: &'a str,
    /// 滞纳金: parts per million of the open amount per day overdue (e.g. 300 = 0.03 %/day); 0 = off.
    pub late_fee_ppm_per_day: i64,
    pub late_fee_cap_percent: i64,
}

impl<S: Store> Ledger<S> {
    /// Imports households (住户): new rows are added, changed rows updated with their previous
    /// version kept, identical rows left alone. A file with any bad row writes nothing.
    pub async fn import_households(&self, community_id: i64, bytes: &[u8]) -> Result<HouseholdImport> {
        let rows = parse_households(bytes)?;
        let mut tx = self.store.begin().await?;
        let existing: HashMap<(String, String, String), HouseholdRow> =
            tx.households(community_id).await?.into_iter().map(|h| ((h.building.clone(), h.unit.clone(), h.room.clone()), h)).collect();
        let now = Utc::now();
        let mut result = HouseholdImport::default();
        for h in &rows {
            match existing.get(&(h.building.clone(), h.unit.clone(), h.room.clone())) {
                None => {
                    tx.insert_household(community_id, h, now).await?;
                    result.added += 1;
                }
                Some(old) => {
                    let same = old.area_m2_hundredths == h.area_m2_hundredths
                        && old.kind == h.kind
                        && old.owner_name == h.owner_name
                        && old.phone == h.phone
                        && old.move_in_date == h.move_in_date;
                    if same {
                        result.unchanged += 1;
                    } else {
                        tx.update_household(community_id, old, h, now).await?;
                        result.changed += 1;
                    }
                }
            }
        }
        tx.commit().await?;
        Ok(result)
    }

    pub async fn households(&self, community_id: i64) -> Result<Vec<HouseholdRow>> {
        self.store.read().await?.households(community_id).await
    }

    /// Finds a household by its "building-unit-room" label.
    pub async fn household_by_label(&self, community_id: i64, label: &str) -> Result<HouseholdRow> {
        self.households(community_id)
            .await?
            .into_iter()
            .find(|h| household_label(h) == label.trim())
            .ok_or_else(|| Error::not_found(format!("住户 {label}（格式：楼栋-单元-房号）")))
    }

    pub async fn add_fee_item(&self, book: &Book, spec: &FeeItemSpec<'_>) -> Result<i64> {
        fee_accounts(book)?;
        let account = crate::domain::account::AccountCode::parse(spec.revenue_account)
            .and_then(|c| book.chart.get(&c))
            .ok_or_else(|| Error::invalid("收入科目", format!("科目 {} 不存在", spec.revenue_account)))?;
        if !account.is_leaf {
            return Err(Error::invalid("收入科目", format!("{} {} 不是末级科目", account.code, account.name)));
        }
        if spec.code.trim().is_empty() || spec.name.trim().is_empty() {
            return Err(Error::invalid("收费项目", "编码和名称不能为空"));
        }
        if !(0..=10_000).contains(&spec.late_fee_ppm_per_day) || !(0..=100).contains(&spec.late_fee_cap_percent) {
            return Err(Error::invalid("滞纳金", "日费率须在 0 至 10000（百万分之一）之间，上限在 0 至 100% 之间"));
        }
        let mut tx = self.store.begin().await?;
        if tx.fee_items(book.id()).await?.iter().any(|f| f.code == spec.code) {
            return Err(Error::Conflict(format!("收费项目 {} 已存在", spec.code)));
        }
        let row = FeeItemRow {
            id: 0,
            code: spec.code.trim().to_string(),
            name: spec.name.trim().to_string(),
            basis: spec.basis.as_str().to_string(),
            revenue_account_id: account_id(book, &account.code)?,
            late_fee_ppm_per_day: spec.late_fee_ppm_per_day,
            late_fee_cap_percent: spec.late_fee_cap_percent,
        };
        let id = tx.insert_fee_item(book.row.community_id, book.id(), &row).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// 收费标准: a rate for a household kind from a date (until another date, end-exclusive).
    /// Ranges of one item and kind may not overlap; past bills are never rewritten.
    pub async fn add_fee_standard(
        &self,
        book: &Book,
        item_code: &str,
        kind: HouseholdKind,
        rate_text: &str,
        from: NaiveDate,
        until: Option<NaiveDate>,
    ) -> Result<i64> {
        let rate = Decimal::from_str(rate_text.trim()).map_err(|_| Error::invalid("单价", format!("“{rate_text}”不是数字")))?;
        if rate <= Decimal::ZERO || rate.normalize().scale() > 4 {
            return Err(Error::invalid("单价", format!("“{rate_text}”须大于零，最多四位小数")));
        }
        if until.is_some_and(|u| u <= from) {
            return Err(Error::invalid("有效期", "结束日期须晚于开始日期"));
        }
        let mut tx = self.store.begin().await?;
        let item = fee_item_by_code(&mut tx, book, item_code).await?;
        let far = NaiveDate::MAX;
        for s in tx.fee_standards(book.id()).await?.iter().filter(|s| s.fee_item_id == item.id && s.household_kind == kind.as_str()) {
            if from < s.valid_until.unwrap_or(far) && s.valid_from < until.unwrap_or(far) {
                let until_text = s.valid_until.map_or("长期".to_string(), |d| d.to_string());
                return Err(Error::invalid(
                    "有效期",
                    format!(
                        "与{}的现行标准（{} 起至 {until_text}，{} 元）重叠；请先为旧标准设定结束日期",
                        kind.label(),
                        s.valid_from,
                        s.rate_yuan
                    ),
                ));
            }
        }
        let row = FeeStandardRow {
            id: 0,
            fee_item_id: item.id,
            household_kind: kind.as_str().into(),
            rate_yuan: rate.normalize().to_string(),
            valid_from: from,
            valid_until: until,
        };
        let id = tx.insert_fee_standard(book.row.community_id, &row).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Meter readings of one month for a metered item. A reading lower than the meter's last is
    /// refused unless marked as a meter replacement.
    pub async fn record_meter_readings(
        &self,
        book: &Book,
        item_code: &str,
        period: Period,
        readings: &[(i64, String, bool)],
    ) -> Result<usize> {
        let mut tx = self.store.begin().await?;
        let item = fee_item_by_code(&mut tx, book, item_code).await?;
        if item.basis != FeeBasis::Metered.as_str() {
            return Err(Error::invalid("收费项目", format!("{} 不按用量计费", item.name)));
        }
        let previous: HashMap<i64, Decimal> = tx
            .meter_readings(book.id(), period.key())
            .await?
            .into_iter()
            .filter(|r| r.fee_item_id == item.id && r.period < period.key())
            .filter_map(|r| Decimal::from_str(&r.reading).ok().map(|d| (r.household_id, d)))
            .collect();
        let mut rows = Vec::new();
        for (i, (household_id, text, replaced)) in readings.iter().enumerate() {
            let reading = Decimal::from_str(text.trim()).map_err(|_| Error::csv(i + 2, "读数", format!("“{text}”不是数字")))?;
            if reading < Decimal::ZERO {
                return Err(Error::csv(i + 2, "读数", "不能为负数"));
            }
            if metered_use(previous.get(household_id).copied(), reading, *replaced).is_none() {
                return Err(Error::csv(
                    i + 2,
                    "读数",
                    format!("{reading} 低于上次读数 {}；如已换表请标明“换表”", previous.get(household_id).copied().unwrap_or_default()),
                ));
            }
            rows.push(MeterReadingRow {
                household_id: *household_id,
                fee_item_id: item.id,
                period: period.key(),
                reading: reading.to_string(),
                is_replacement: *replaced,
            });
        }
        tx.insert_meter_readings(book.row.community_id, &rows).await?;
        tx.commit().await?;
        Ok(rows.len())
    }

    /// 计费: bills every household for `period` for the given fee items (all when empty),
    /// skipping what is already billed, so running a month twice bills nothing new. Posts one
    /// summary voucher (借 应收账款, 贷 each item's revenue, per building and item) and applies
    /// prepayments to the open bills, oldest first.
    pub async fn run_billing(&self, book: &Book, period: Period, item_codes: &[String], user: &str) -> Result<BillingRun> {
        let accounts = fee_accounts(book)?;
        let mut tx = self.store.begin().await?;
        let items: Vec<FeeItemRow> = tx.fee_items(book.id()).await?;
        for code in item_codes {
            if !items.iter().any(|f| &f.code == code) {
                return Err(Error::not_found(format!("收费项目 {code}")));
            }
        }
        let items: Vec<FeeItemRow> = items.into_iter().filter(|f| item_codes.is_empty() || item_codes.contains(&f.code)).collect();
        let periods = tx.periods(book.id()).await?;
        match periods.iter().find(|p| p.period == period.key()) {
            None => {
                return Err(Error::NoPeriod { date: period.first_day().to_string(), open_range: crate::ledger::periods_text(&periods) })
            }
            Some(p) if p.status == "closed" => {
                return Err(Error::PeriodClosed { date: period.first_day().to_string(), period: period.to_string() })
            }
            _ => {}
        }
        let households = tx.households(book.row.community_id).await?;
        let standards = tx.fee_standards(book.id()).await?;
        let already: HashSet<(i64, i64)> = tx.billed(book.id(), period.key()).await?.into_iter().collect();
        let readings = tx.meter_readings(book.id(), period.key()).await?;
        let mut current: HashMap<(i64, i64), (Decimal, bool)> = HashMap::new();
        let mut previous: HashMap<(i64, i64), Decimal> = HashMap::new();
        for r in &readings {
            let value = Decimal::from_str(&r.reading).unwrap_or_default();
            if r.period == period.key() {
                current.insert((r.household_id, r.fee_item_id), (value, r.is_replacement));
            } else {
                previous.insert((r.household_id, r.fee_item_id), value);
            }
        }
        let first_day = period.first_day();
        let mut bills = Vec::new();
        let mut per_building_item: BTreeMap<(String, i64), i64> = BTreeMap::new();
        for h in &households {
            for item in &items {
                if already.contains(&(h.id, item.id)) {
                    continue;
                }
                let Some(standard) = standards.iter().find(|s| {
                    s.fee_item_id == item.id
                        && s.household_kind == h.kind
                        && s.valid_from <= first_day
                        && s.valid_until.is_none_or(|u| first_day < u)
                }) else {
                    continue;
                };
                let rate = Decimal::from_str(&standard.rate_yuan).map_err(|_| Error::invalid("收费标准", standard.rate_yuan.clone()))?;
                let quantity = match FeeBasis::parse(&item.basis) {
                    Some(FeeBasis::PerM2Month) => Quantity::Area { area_m2: Decimal::new(h.area_m2_hundredths, 2) },
                    Some(FeeBasis::FixedMonth) => Quantity::Month,
                    Some(FeeBasis::Metered) => match current.get(&(h.id, item.id)) {
                        Some((reading, replaced)) => match metered_use(previous.get(&(h.id, item.id)).copied(), *reading, *replaced) {
                            Some(used) => Quantity::Metered { used },
                            None => continue,
                        },
                        None => continue,
                    },
                    None => continue,
                };
                let amount = monthly_charge(rate, quantity, period, h.move_in_date);
                if amount.0 <= 0 {
                    continue;
                }
                *per_building_item.entry((h.building.clone(), item.id)).or_default() += amount.0;
                bills.push(NewBill { household_id: h.id, fee_item_id: item.id, period: period.key(), amount_fen: amount.0 });
            }
        }
        if bills.is_empty() {
            return Ok(BillingRun { period: period.to_string(), bills: 0, total: Fen::ZERO, prepayment_applied: Fen::ZERO, voucher: None });
        }
        let total: i64 = bills.iter().map(|b| b.amount_fen).sum();
        let item_by_id: HashMap<i64, &FeeItemRow> = items.iter().map(|f| (f.id, f)).collect();

        // Prepayments (预收) settle the household's open bills, this month's included, oldest first.
        let mut lines = Vec::new();
        for ((building, item_id), fen) in &per_building_item {
            let item = item_by_id[item_id];
            let summary = format!("{period} {} {building}栋", item.name);
            let dims = Dimensions { fee_item_id: Some(*item_id), ..Dimensions::default() };
            lines.push(LineInput {
                summary: summary.clone(),
                account: accounts.receivable.to_string(),
                debit: Fen(*fen),
                credit: Fen::ZERO,
                dimensions: dims.clone(),
            });
            lines.push(LineInput {
                summary,
                account: book.code_of(item.revenue_account_id).to_string(),
                debit: Fen::ZERO,
                credit: Fen(*fen),
                dimensions: dims,
            });
        }
        let prepaid = tx.prepayments(book.id(), None).await?;
        let now = Utc::now();
        let run_id = tx
            .insert_billing_run(&NewBillingRun {
                community_id: book.row.community_id,
                book_id: book.id(),
                period: period.key(),
                voucher_id: None,
                bills: bills.len() as i64,
                total_fen: total,
                created_by: user,
                created_at: now,
            })
            .await?;
        tx.insert_bills(book.row.community_id, book.id(), run_id, &bills).await?;
        // Read after the insert, so this month's bills are among them with their ids.
        let open_now = if prepaid.is_empty() { Vec::new() } else { tx.open_bills(book.id(), None).await? };
        let mut allocations = Vec::new();
        if !prepaid.is_empty() {
            let mut open_by_household: HashMap<i64, Vec<OpenBill>> = HashMap::new();
            for b in &open_now {
                open_by_household.entry(b.household_id).or_default().push(OpenBill {
                    bill_id: b.id,
                    period: b.period,
                    fee_item_id: b.fee_item_id,
                    open_fen: b.open_fen,
                });
            }
            for p in &prepaid {
                let open = open_by_household.entry(p.household_id).or_default();
                let (settled, _) = allocate_oldest_first(open.clone(), Fen(p.left_fen));
                for (bill_id, fen) in settled {
                    if let Some(b) = open.iter_mut().find(|b| b.bill_id == bill_id) {
                        b.open_fen -= fen.0;
                    }
                    allocations.push(AllocationRow {
                        bill_id,
                        payment_id: Some(p.payment_id),
                        waiver_id: None,
                        void_id: None,
                        amount_fen: fen.0,
                        period: period.key(),
                    });
                }
                open.retain(|b| b.open_fen > 0);
            }
        }
        let applied: i64 = allocations.iter().map(|a| a.amount_fen).sum();
        if applied > 0 {
            let summary = format!("{period} 预收物业费抵扣应收");
            lines.push(LineInput {
                summary: summary.clone(),
                account: accounts.advance.to_string(),
                debit: Fen(applied),
                credit: Fen::ZERO,
                dimensions: Dimensions::default(),
            });
            lines.push(LineInput {
                summary,
                account: accounts.receivable.to_string(),
                debit: Fen::ZERO,
                credit: Fen(applied),
                dimensions: Dimensions::default(),
            });
        }
        let voucher = ApprovedVoucher {
            input: VoucherInput { date: first_day, attachments: 1, lines },
            kind: VoucherKind::Normal,
            maker: SYSTEM_MAKER.into(),
            reviewer: user.into(),
            reverses_id: None,
        };
        let posted = post_approved(&mut tx, book, user, std::slice::from_ref(&voucher)).await?;
        tx.insert_allocations(book.row.community_id, &allocations).await?;
        let building_of: HashMap<i64, &str> = households.iter().map(|h| (h.id, h.building.as_str())).collect();
        let mut bill_place: HashMap<i64, (String, i64)> = HashMap::new();
        for b in &open_now {
            bill_place.insert(b.id, (building_of.get(&b.household_id).copied().unwrap_or_default().to_string(), b.period));
        }
        let mut changes =
            flows("billed", per_building_item.iter().map(|((building, _), fen)| (building.clone(), period.key(), period.key(), *fen)));
        changes.extend(flows(
            "paid",
            allocations.iter().filter_map(|a| bill_place.get(&a.bill_id).map(|(b, p)| (b.clone(), *p, a.period, a.amount_fen))),
        ));
        tx.add_flows(book.row.community_id, book.id(), &changes).await?;
        tx.commit().await?;
        Ok(BillingRun {
            period: period.to_string(),
            bills: bills.len(),
            total: Fen(total),
            prepayment_applied: Fen(applied),
            voucher: posted.first().map(|p| p.label.clone()),
        })
    }

    /// 收款: records a payment once per idempotency key, settles open bills (named ones, or
    /// the oldest first), keeps any excess as a prepayment, numbers its receipt and posts its
    /// voucher, all in one transaction. The same key again returns the first receipt.
    pub async fn pay(&self, book: &Book, req: &PaymentRequest<'_>) -> Result<Receipt> {
        let key = req.idempotency_key.trim();
        if key.is_empty() || key.chars().count() > 100 {
            return Err(Error::invalid("幂等键", "须填写，最多100个字符"));
        }
        if req.amount.0 <= 0 {
            return Err(Error::invalid("收款金额", format!("{} 须大于零", req.amount)));
        }
        let recorded = self.record_payment(book, req, key).await;
        if let Ok(Some(receipt)) = recorded {
            return Ok(receipt);
        }
        // The key is taken, or the request fails now: a retry whose first run went through
        // fails on the bills that run settled. Either way the first receipt is the answer.
        let mut tx = self.store.read().await?;
        if let Some(existing) = tx.payment_by_key(book.id(), key).await? {
            return receipt_of(&mut tx, book, &existing).await.map(|r| Receipt { replayed: true, ..r });
        }
        recorded?.ok_or_else(|| Error::invalid("幂等键", format!("{key} 与另一笔收款冲突")))
    }

    /// Records a new payment, or returns None (and writes nothing) if its key is taken. The
    /// common case, a new key, costs no lookup: the payment's own INSERT checks the key.
    async fn record_payment(&self, book: &Book, req: &PaymentRequest<'_>, key: &str) -> Result<Option<Receipt>> {
        let accounts = fee_accounts(book)?;
        let mut tx = self.store.begin().await?;
        let household = tx
            .household(book.row.community_id, req.household_id)
            .await?
            .ok_or_else(|| Error::not_found(format!("住户 #{}", req.household_id)))?;
        let open = tx.open_bills(book.id(), Some(household.id)).await?;
        let settle: Vec<(i64, Fen)> = match &req.bill_ids {
            Some(ids) => {
                let mut left = req.amount.0;
                let mut out = Vec::new();
                for id in ids {
                    let bill = open.iter().find(|b| b.id == *id).ok_or_else(|| {
                        Error::invalid("指定账单", format!("账单 #{id} 不是住户 {} 的未结清账单", household_label(&household)))
                    })?;
                    let take = left.min(bill.open_fen);
                    if take > 0 {
                        out.push((bill.id, Fen(take)));
                        left -= take;
                    }
                }
                out
            }
            None => {
                let bills = open
                    .iter()
                    .map(|b| OpenBill { bill_id: b.id, period: b.period, fee_item_id: b.fee_item_id, open_fen: b.open_fen })
                    .collect();
                allocate_oldest_first(bills, req.amount).0
            }
        };
        let settled_fen: i64 = settle.iter().map(|(_, f)| f.0).sum();
        let prepaid = req.amount.0 - settled_fen;
        let claim = tx.claim_chain(book.id(), 1, 1).await?;
        let number = claim.receipts_issued;
        let label = receipt_label(number);
        let who = household_label(&household);
        let summary = format!("收 {who} 物业费 收据{label}");
        let dims = Dimensions { household_id: Some(household.id), ..Dimensions::default() };
        let money_account = match req.method {
            Method::Cash => &accounts.cash,
            Method::Bank => &accounts.bank,
            Method::Wechat | Method::Alipay => &accounts.wallet,
        };
        let mut lines = vec![LineInput {
            summary: summary.clone(),
            account: money_account.to_string(),
            debit: req.amount,
            credit: Fen::ZERO,
            dimensions: dims.clone(),
        }];
        if settled_fen > 0 {
            lines.push(LineInput {
                summary: summary.clone(),
                account: accounts.receivable.to_string(),
                debit: Fen::ZERO,
                credit: Fen(settled_fen),
                dimensions: dims.clone(),
            });
        }
        if prepaid > 0 {
            lines.push(LineInput {
                summary: format!("预收 {who} 物业费 收据{label}"),
                account: accounts.advance.to_string(),
                debit: Fen::ZERO,
                credit: Fen(prepaid),
                dimensions: dims,
            });
        }
        let voucher = ApprovedVoucher {
            input: VoucherInput { date: req.paid_on, attachments: 1, lines },
            kind: VoucherKind::Normal,
            maker: SYSTEM_MAKER.into(),
            reviewer: req.cashier.into(),
            reverses_id: None,
        };
        let posted = post_claimed(&mut tx, book, req.cashier, std::slice::from_ref(&voucher), claim).await?;
        let Some(payment_id) = tx
            .insert_payment(&NewPayment {
                community_id: book.row.community_id,
                book_id: book.id(),
                household_id: household.id,
                idempotency_key: key,
                method: req.method.as_str(),
                amount_fen: req.amount.0,
                paid_on: req.paid_on,
                receipt_number: number,
                voucher_id: posted[0].voucher_id,
                cashier: req.cashier,
                created_at: Utc::now(),
            })
            .await?
        else {
            return Ok(None);
        };
        let period = Period::of_date(req.paid_on).key();
        let allocations: Vec<AllocationRow> = settle
            .iter()
            .map(|(bill_id, fen)| AllocationRow {
                bill_id: *bill_id,
                payment_id: Some(payment_id),
                waiver_id: None,
                void_id: None,
                amount_fen: fen.0,
                period,
            })
            .collect();
        tx.insert_allocations(book.row.community_id, &allocations).await?;
        let paid = settle.iter().filter_map(|(bill_id, fen)| {
            open.iter().find(|b| b.id == *bill_id).map(|b| (household.building.clone(), b.period, period, fen.0))
        });
        tx.add_flows(book.row.community_id, book.id(), &flows("paid", paid)).await?;
        tx.commit().await?;
        let settled = settle
            .iter()
            .filter_map(|(bill_id, fen)| open.iter().find(|b| b.id == *bill_id).map(|b| (b, fen)))
            .map(|(b, fen)| SettledBill {
                bill_id: b.id,
                period: crate::ledger::period_text(b.period),
                fee_item: b.fee_item_name.clone(),
                amount: *fen,
            })
            .collect();
        Ok(Some(Receipt {
            book: book.row.name.clone(),
            number,
            label,
            household: who,
            owner_name: household.owner_name,
            method: req.method.label().to_string(),
            paid_on: req.paid_on,
            amount: req.amount,
            amount_in_words: capital_amount(req.amount),
            settled,
            prepaid: Fen(prepaid),
            voucher: format!("{} {}", posted[0].period, posted[0].label),
            fingerprint: posted[0].hash.clone(),
            cashier: req.cashier.to_string(),
            replayed: false,
            voided: false,
        }))
    }

    /// 减免: reduces one open bill by an approved amount, with its reason, posting 借 the item's
    /// revenue (冲减收入) 贷 应收账款.
    pub async fn waive(&self, book: &Book, bill_id: i64, amount: Fen, reason: &str, approver: &str, date: NaiveDate) -> Result<i64> {
        let accounts = fee_accounts(book)?;
        let reason = check_reason("减免原因", reason)?;
        if approver.trim().is_empty() {
            return Err(Error::invalid("审批人", "须填写"));
        }
        if amount.0 <= 0 {
            return Err(Error::invalid("减免金额", "须大于零"));
        }
        let mut tx = self.store.begin().await?;
        let bill = tx
            .open_bills(book.id(), None)
            .await?
            .into_iter()
            .find(|b| b.id == bill_id)
            .ok_or_else(|| Error::not_found(format!("未结清的账单 #{bill_id}")))?;
        if amount.0 > bill.open_fen {
            return Err(Error::invalid("减免金额", format!("{amount} 超过账单未结清金额 {}", Fen(bill.open_fen))));
        }
        let item =
            tx.fee_items(book.id()).await?.into_iter().find(|f| f.id == bill.fee_item_id).ok_or_else(|| Error::not_found("收费项目"))?;
        let summary = format!("减免 {} {}：{reason}", crate::ledger::period_text(bill.period), item.name);
        let dims = Dimensions { household_id: Some(bill.household_id), fee_item_id: Some(item.id), ..Dimensions::default() };
        let voucher = ApprovedVoucher {
            input: VoucherInput {
                date,
                attachments: 1,
                lines: vec![
                    LineInput {
                        summary: summary.clone(),
                        account: book.code_of(item.revenue_account_id).to_string(),
                        debit: amount,
                        credit: Fen::ZERO,
                        dimensions: dims.clone(),
                    },
                    LineInput { summary, account: accounts.receivable.to_string(), debit: Fen::ZERO, credit: amount, dimensions: dims },
                ],
            },
            kind: VoucherKind::Normal,
            maker: SYSTEM_MAKER.into(),
            reviewer: approver.into(),
            reverses_id: None,
        };
        let posted = post_approved(&mut tx, book, approver, std::slice::from_ref(&voucher)).await?;
        let period = Period::of_date(date).key();
        let waiver_id = tx
            .insert_waiver(&NewWaiver {
                community_id: book.row.community_id,
                bill_id,
                amount_fen: amount.0,
                reason,
                approver,
                period,
                voucher_id: posted[0].voucher_id,
                created_at: Utc::now(),
            })
            .await?;
        tx.insert_allocations(
            book.row.community_id,
            &[AllocationRow { bill_id, payment_id: None, waiver_id: Some(waiver_id), void_id: None, amount_fen: amount.0, period }],
        )
        .await?;
        let building = tx.household(book.row.community_id, bill.household_id).await?.map(|h| h.building).unwrap_or_default();
        tx.add_flows(book.row.community_id, book.id(), &flows("waived", [(building, bill.period, period, amount.0)])).await?;
        tx.commit().await?;
        Ok(waiver_id)
    }

    /// 收据作废: voids a payment by a red-ink reversal of its voucher, never by deleting it. The
    /// bills it settled, and those its prepayment settled since, reopen from the void's month;
    /// whatever prepayment it left is withdrawn. The receipt keeps its number and prints as
    /// voided.
    pub async fn void_receipt(&self, book: &Book, number: i64, reason: &str, approver: &str, date: NaiveDate) -> Result<Receipt> {
        let accounts = fee_accounts(book)?;
        let reason = check_reason("作废原因", reason)?;
        let approver = check_user("审批人", approver)?;
        let label = receipt_label(number);
        let mut tx = self.store.begin().await?;
        let payment = tx.payment_by_receipt(book.id(), number).await?.ok_or_else(|| Error::not_found(format!("收据 {label}")))?;
        if payment.voided {
            return Err(Error::Conflict(format!("收据 {label} 已作废")));
        }
        if date < payment.paid_on {
            return Err(Error::invalid("作废日期", format!("{date} 早于收款日期 {}", payment.paid_on)));
        }
        let household = tx.household(book.row.community_id, payment.household_id).await?.ok_or_else(|| Error::not_found("住户"))?;
        // Everything the payment settled so far: at payment, and from its prepayment since.
        let mut settled_by_bill: BTreeMap<i64, i64> = BTreeMap::new();
        for a in tx.allocations_of_payment(payment.id).await? {
            *settled_by_bill.entry(a.bill_id).or_default() += a.amount_fen;
        }
        let settled_fen: i64 = settled_by_bill.values().sum();
        let original = tx.lines(payment.voucher_id).await?;
        let money_account = original
            .iter()
            .find(|l| l.debit_fen > 0)
            .map(|l| book.code_of(l.account_id).to_string())
            .ok_or_else(|| Error::not_found(format!("收据 {label} 的收款凭证")))?;
        let summary = format!("作废收据{label} {}：{reason}", household_label(&household));
        let dims = Dimensions { household_id: Some(household.id), ..Dimensions::default() };
        // Red ink: the payment's lines with negative amounts, its credit split between 应收 and
        // 预收 as things stand now, so that a prepayment already applied reopens those bills.
        let red = |account: &str, debit: i64, credit: i64| LineInput {
            summary: summary.clone(),
            account: account.to_string(),
            debit: Fen(-debit),
            credit: Fen(-credit),
            dimensions: dims.clone(),
        };
        let mut lines = vec![red(&money_account, payment.amount_fen, 0)];
        if settled_fen > 0 {
            lines.push(red(accounts.receivable.as_str(), 0, settled_fen));
        }
        if payment.amount_fen > settled_fen {
            lines.push(red(accounts.advance.as_str(), 0, payment.amount_fen - settled_fen));
        }
        let voucher = ApprovedVoucher {
            input: VoucherInput { date, attachments: 1, lines },
            kind: VoucherKind::Reversal,
            maker: SYSTEM_MAKER.into(),
            reviewer: approver.into(),
            reverses_id: Some(payment.voucher_id),
        };
        let posted = post_approved(&mut tx, book, approver, std::slice::from_ref(&voucher)).await?;
        let period = Period::of_date(date).key();
        let void_id = tx
            .insert_payment_void(&NewPaymentVoid {
                community_id: book.row.community_id,
                payment_id: payment.id,
                reason,
                approver,
                period,
                voucher_id: posted[0].voucher_id,
                created_at: Utc::now(),
            })
            .await?;
        let mut reopened = Vec::with_capacity(settled_by_bill.len());
        let mut unpaid = Vec::with_capacity(settled_by_bill.len());
        for (&bill_id, &fen) in settled_by_bill.iter().filter(|(_, fen)| **fen != 0) {
            let bill = tx.bill(book.id(), bill_id).await?.ok_or_else(|| Error::not_found(format!("账单 #{bill_id}")))?;
            reopened.push(AllocationRow {
                bill_id,
                payment_id: Some(payment.id),
                waiver_id: None,
                void_id: Some(void_id),
                amount_fen: -fen,
                period,
            });
            unpaid.push((household.building.clone(), bill.period, period, -fen));
        }
        tx.insert_allocations(book.row.community_id, &reopened).await?;
        tx.add_flows(book.row.community_id, book.id(), &flows("paid", unpaid)).await?;
        let payment = PaymentRow { voided: true, ..payment };
        let receipt = receipt_of(&mut tx, book, &payment).await?;
        tx.commit().await?;
        Ok(receipt)
    }

    /// A receipt as issued, for reprinting.
    pub async fn receipt(&self, book: &Book, number: i64) -> Result<Receipt> {
        let mut tx = self.store.read().await?;
        let payment =
            tx.payment_by_receipt(book.id(), number).await?.ok_or_else(|| Error::not_found(format!("收据 {}", receipt_label(number))))?;
        receipt_of(&mut tx, book, &payment).await
    }

    pub async fn open_bills(&self, book: &Book, household_id: Option<i64>) -> Result<Vec<OpenBillRow>> {
        self.store.read().await?.open_bills(book.id(), household_id).await
    }

    pub async fn prepaid(&self, book: &Book, household_id: i64) -> Result<Fen> {
        Ok(Fen(self.store.read().await?.prepayments(book.id(), Some(household_id)).await?.iter().map(|p| p.left_fen).sum()))
    }
}

async fn fee_item_by_code<T: Tx>(tx: &mut T, book: &Book, code: &str) -> Result<FeeItemRow> {
    tx.fee_items(book.id()).await?.into_iter().find(|f| f.code == code).ok_or_else(|| Error::not_found(format!("收费项目 {code}")))
}

/// Sums (building, bill month, event month, amount) into maintained-figure rows of one kind;
/// one row per key, as a multi-row upsert requires.
fn flows(kind: &str, parts: impl IntoIterator<Item = (String, i64, i64, i64)>) -> Vec<FlowRow> {
    let mut sums: BTreeMap<(String, i64, i64), i64> = BTreeMap::new();
    for (building, bill_period, event_period, fen) in parts {
        *sums.entry((building, bill_period, event_period)).or_default() += fen;
    }
    sums.into_iter()
        .map(|((building, bill_period, event_period), amount_fen)| FlowRow {
            building,
            bill_period,
            event_period,
            kind: kind.to_string(),
            amount_fen,
        })
        .collect()
}

/// A waiver's or a void's reason: required, at most 200 characters (the tables' CHECK).
fn check_reason<'a>(field: &str, reason: &'a str) -> Result<&'a str> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(Error::invalid(field, "须填写，最多200个字"));
    }
    Ok(reason)
}

/// "No.000123"
pub fn receipt_label(number: i64) -> String {
    format!("No.{number:06}")
}

/// Rebuilds a payment's receipt from what was stored.
async fn receipt_of<T: Tx>(tx: &mut T, book: &Book, p: &PaymentRow) -> Result<Receipt> {
    let household = tx.household(book.row.community_id, p.household_id).await?.ok_or_else(|| Error::not_found("住户"))?;
    let voucher_row = tx.voucher(book.id(), p.voucher_id).await?.ok_or_else(|| Error::not_found(format!("凭证 #{}", p.voucher_id)))?;
    // What the payment settled when it was made is its voucher's credit to 应收账款; the
    // allocations made then come first, before any from its prepayment later.
    let receivable = fee_accounts(book)?.receivable;
    let mut left_at_payment: i64 =
        tx.lines(p.voucher_id).await?.iter().filter(|l| book.code_of(l.account_id) == receivable.as_str()).map(|l| l.credit_fen).sum();
    let mut settled = Vec::new();
    for a in tx.allocations_of_payment(p.id).await? {
        if left_at_payment <= 0 {
            break;
        }
        let bill = tx.bill(book.id(), a.bill_id).await?.ok_or_else(|| Error::not_found(format!("账单 #{}", a.bill_id)))?;
        let fen = a.amount_fen.min(left_at_payment);
        left_at_payment -= fen;
        settled.push(SettledBill {
            bill_id: a.bill_id,
            period: crate::ledger::period_text(bill.period),
            fee_item: bill.fee_item_name,
            amount: Fen(fen),
        });
    }
    let at_payment: i64 = settled.iter().map(|s| s.amount.0).sum();
    let method = Method::parse(&p.method).map_or(p.method.clone(), |m| m.label().to_string());
    Ok(Receipt {
        book: book.row.name.clone(),
        number: p.receipt_number,
        label: receipt_label(p.receipt_number),
        household: household_label(&household),
        owner_name: household.owner_name,
        method,
        paid_on: p.paid_on,
        amount: Fen(p.amount_fen),
        amount_in_words: capital_amount(Fen(p.amount_fen)),
        settled,
        prepaid: Fen(p.amount_fen - at_payment),
        voucher: crate::ledger::describe(&voucher_row),
        fingerprint: voucher_row.hash.unwrap_or_default(),
        cashier: p.cashier.clone(),
        replayed: false,
        voided: p.voided,
    })
}
