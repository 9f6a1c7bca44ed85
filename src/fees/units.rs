//! Units that are not homes (车位, 车库, 储藏室): each is a unit of its own, held by the household
//! that owns or rents it. Its bills are the holder's, named by the unit, so a statement, a
//! receipt and a dunning notice list a household's units under it, and its payments settle
//! them with its other bills, oldest first. A unit passing to another household ends one
//! holding and starts the next; a month held in part is billed by days, like a move-in.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::area::AreaM2Hundredths;
use crate::domain::ids::{CommunityId, HouseholdId, UnitId};
use crate::domain::limits::{check_text, MAX_PLACE_CHARS};
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::fees::kinds::HouseholdKind;
use crate::fees::store::FeesStore;
use crate::fees::{household_label, Fees};
use crate::store::{PgTx, SqliteTx, Tx};

/// One holding of a unit: which household holds it, from which day, until which (exclusive).
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct UnitRow {
    pub id: UnitId,
    pub code: String,
    pub kind: HouseholdKind,
    pub area_m2_hundredths: Option<AreaM2Hundredths>,
    pub household_id: HouseholdId,
    pub held_from: NaiveDate,
    pub held_until: Option<NaiveDate>,
}

impl UnitRow {
    /// Whether the holding covers any day of `period`.
    pub fn held_in(&self, period: Period) -> bool {
        self.held_from <= period.last_day() && self.held_until.is_none_or(|until| until > period.first_day())
    }

    /// "车位 B1-018", as receipts and notices name it.
    pub fn label(&self) -> String {
        format!("{} {}", self.kind.label(), self.code)
    }
}

/// A unit as `unit add` registers it.
#[derive(Clone, Debug)]
pub struct NewUnit<'a> {
    pub code: &'a str,
    pub kind: HouseholdKind,
    pub area_m2_hundredths: Option<AreaM2Hundredths>,
    pub household: &'a str,
    pub from: NaiveDate,
}

crate::wing_tx! {
    pub trait UnitsTx: Send {
        /// Every holding of the community, oldest first per unit code.
        fn units(&mut self, community_id: CommunityId) -> impl Future<Output = Result<Vec<UnitRow>>> + Send;
        fn insert_unit(&mut self, community_id: CommunityId, unit: &UnitRow, at: DateTime<Utc>) -> impl Future<Output = Result<UnitId>> + Send;
        fn end_unit(&mut self, community_id: CommunityId, unit_id: UnitId, until: NaiveDate) -> impl Future<Output = Result<()>> + Send;
        /// The last month billed for a holding (of any fee item), if any.
        fn last_billed_month_of_unit(
            &mut self,
            community_id: CommunityId,
            unit_id: UnitId,
        ) -> impl Future<Output = Result<Option<Period>>> + Send;
    }
}

macro_rules! impl_units_tx {
    ($tx_type:ty) => {
        impl UnitsTx for $tx_type {
            async fn units(&mut self, community_id: CommunityId) -> Result<Vec<UnitRow>> {
                Ok(sqlx::query_as(
                    "SELECT id, code, kind, area_m2_hundredths, household_id, held_from, held_until
                     FROM units WHERE community_id = $1 ORDER BY code, held_from",
                )
                .bind(community_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn insert_unit(&mut self, community_id: CommunityId, u: &UnitRow, at: DateTime<Utc>) -> Result<UnitId> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO units (community_id, code, kind, area_m2_hundredths, household_id, held_from, held_until, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(community_id)
                .bind(&u.code)
                .bind(u.kind)
                .bind(u.area_m2_hundredths)
                .bind(u.household_id)
                .bind(u.held_from)
                .bind(u.held_until)
                .bind(at)
                .fetch_one(&mut *self.tx)
                .await?)
            }

            async fn end_unit(&mut self, community_id: CommunityId, unit_id: UnitId, until: NaiveDate) -> Result<()> {
                sqlx::query("UPDATE units SET held_until = $3 WHERE community_id = $1 AND id = $2 AND held_until IS NULL")
                    .bind(community_id)
                    .bind(unit_id)
                    .bind(until)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn last_billed_month_of_unit(&mut self, community_id: CommunityId, unit_id: UnitId) -> Result<Option<Period>> {
                Ok(sqlx::query_scalar("SELECT MAX(period) FROM bills WHERE community_id = $1 AND unit_id = $2")
                    .bind(community_id)
                    .bind(unit_id)
                    .fetch_one(&mut *self.tx)
                    .await?)
            }
        }
    };
}

impl_units_tx!(SqliteTx);
impl_units_tx!(PgTx);

/// A holding ends on `day` only after the last month billed for it, so what was billed stays
/// with whoever held the unit then. `(field, billed, day_name, hint)` word the refusal.
async fn refuse_inside_billed_month<T: UnitsTx>(
    tx: &mut T,
    community_id: CommunityId,
    holding: &UnitRow,
    day: NaiveDate,
    (field, billed_words, day_name, hint): (&str, &str, &str, &str),
) -> Result<()> {
    match tx.last_billed_month_of_unit(community_id, holding.id).await? {
        Some(billed) if billed.last_day() >= day => Err(Error::invalid(
            field,
            format!("{} {billed_words} {billed}，{day_name}须在 {} 之后{hint}", holding.label(), billed.last_day()),
        )),
        _ => Ok(()),
    }
}

impl<S: FeesStore> Fees<S> {
    /// Registers a unit held by a household from a day. A unit already held by another
    /// household passes to this one: its holding ends the day before (refused when a month
    /// from that day on is already billed to the old holder).
    pub async fn add_unit(&self, community_id: CommunityId, unit: &NewUnit<'_>) -> Result<UnitId> {
        let code = unit.code.trim();
        if code.is_empty() {
            return Err(Error::invalid("单元编号", "不能为空"));
        }
        check_text(code, MAX_PLACE_CHARS).map_err(|reason| Error::invalid("单元编号", reason))?;
        if !unit.kind.is_unit_kind() {
            return Err(Error::invalid("单元类型", format!("“{}”不是附属单元；附属单元为车位、车库或储藏室", unit.kind.label())));
        }
        let holder = self.household_by_label(community_id, unit.household).await?;
        let mut tx = self.store().begin().await?;
        let holdings = tx.units(community_id).await?;
        if let Some(current) = holdings.iter().find(|u| u.code == code && u.held_until.is_none()) {
            if current.household_id == holder.id {
                return Err(Error::Conflict(format!("{} 已由 {} 持有", current.label(), household_label(&holder))));
            }
            if current.held_from >= unit.from {
                return Err(Error::invalid(
                    "起始日期",
                    format!("{} 自 {} 起由另一住户持有，新的持有须晚于该日", current.label(), current.held_from),
                ));
            }
            refuse_inside_billed_month(
                &mut tx,
                community_id,
                current,
                unit.from,
                ("起始日期", "已向原持有人计费至", "转让日期", "（或先冲销该月计费）"),
            )
            .await?;
            tx.end_unit(community_id, current.id, unit.from).await?;
        } else if let Some(later) = holdings.iter().find(|u| u.code == code && u.held_until.is_some_and(|until| until > unit.from)) {
            return Err(Error::invalid(
                "起始日期",
                format!("{} 在 {} 前仍有持有记录", later.label(), later.held_until.unwrap_or(later.held_from)),
            ));
        }
        let row = UnitRow {
            id: UnitId(0),
            code: code.to_string(),
            kind: unit.kind,
            area_m2_hundredths: unit.area_m2_hundredths,
            household_id: holder.id,
            held_from: unit.from,
            held_until: None,
        };
        let id = tx.insert_unit(community_id, &row, Utc::now()).await?;
        crate::fees::seal::master::record(&mut tx, community_id, &[crate::fees::seal::master::MasterKind::Unit]).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Ends a unit's holding (退租): it is not billed for the days from `until` on.
    pub async fn end_unit(&self, community_id: CommunityId, code: &str, until: NaiveDate) -> Result<UnitRow> {
        let mut tx = self.store().begin().await?;
        let holdings = tx.units(community_id).await?;
        let current = holdings
            .into_iter()
            .find(|u| u.code == code.trim() && u.held_until.is_none())
            .ok_or_else(|| Error::not_found(format!("正在持有的单元 {code}")))?;
        if until <= current.held_from {
            return Err(Error::invalid("结束日期", format!("须晚于持有起始日 {}", current.held_from)));
        }
        refuse_inside_billed_month(&mut tx, community_id, &current, until, ("结束日期", "已计费至", "结束日期", "")).await?;
        tx.end_unit(community_id, current.id, until).await?;
        crate::fees::seal::master::record(&mut tx, community_id, &[crate::fees::seal::master::MasterKind::Unit]).await?;
        tx.commit().await?;
        Ok(UnitRow { held_until: Some(until), ..current })
    }

    /// Every holding of the community, by unit code.
    pub async fn units(&self, community_id: CommunityId) -> Result<Vec<UnitRow>> {
        let mut tx = self.store().read().await?;
        tx.units(community_id).await
    }
}
