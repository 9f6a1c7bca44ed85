-- The other wings' rows are sealed in the hash of the voucher that names them
-- (fees::seal::wings): `verify`, and every posting of such a voucher, reads a voucher's rows of
-- each table by its voucher, so each table is indexed by it.
CREATE INDEX subsidy_receipts_voucher ON subsidy_receipts (community_id, voucher_id);
CREATE INDEX expenses_voucher ON expenses (community_id, voucher_id);
CREATE INDEX expense_payments_voucher ON expense_payments (community_id, voucher_id);
CREATE INDEX subsidy_withdrawals_voucher ON subsidy_withdrawals (community_id, voucher_id);
CREATE INDEX subsidy_releases_voucher ON subsidy_releases (community_id, voucher_id);
CREATE INDEX subsidy_release_takebacks_voucher ON subsidy_release_takebacks (community_id, voucher_id);
CREATE INDEX subsidy_settlements_voucher ON subsidy_settlements (community_id, voucher_id);
CREATE INDEX subsidy_refunds_voucher ON subsidy_refunds (community_id, voucher_id);
CREATE INDEX public_revenue_entries_voucher ON public_revenue_entries (community_id, voucher_id);
CREATE INDEX profit_transfers_company_voucher ON profit_transfers (community_id, company_voucher_id);
CREATE INDEX profit_transfers_collective_voucher ON profit_transfers (community_id, collective_voucher_id);
CREATE INDEX distributions_voucher ON distributions (community_id, voucher_id);
CREATE INDEX distribution_payments_voucher ON distribution_payments (community_id, voucher_id);
CREATE INDEX asset_depreciation_runs_voucher ON asset_depreciation_runs (community_id, voucher_id);
CREATE INDEX asset_disposals_voucher ON asset_disposals (community_id, voucher_id);

-- The master-data chain also keeps the versions of the other wings' rows that no voucher seals
-- (fees::seal::master): its kind CHECK widens.
ALTER TABLE master_versions DROP CONSTRAINT master_versions_kind_check;
ALTER TABLE master_versions ADD CONSTRAINT master_versions_kind_check CHECK (kind IN ('household','unit','fee_item','fee_standard','meter_reading','subsidy_program','disbursement','budget','revenue_rule','roster','roster_member','fixed_asset','settlement','signoff'));

-- A sign-off seals what it signed: the digest of the reconciliation's stored figures, the rows
-- it saw and the differences it found (subsidies::signoff::sealed_digest); the sign-off itself
-- is a version in the master-data chain, so one forged or deleted is named too. NULL for a
-- sign-off made before.
ALTER TABLE reconciliation_signoffs ADD COLUMN digest TEXT;
