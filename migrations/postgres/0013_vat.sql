-- VAT (增值税) as a book setting: none (as before), a small-scale taxpayer (小规模纳税人, at the
-- 征收率) or a general one (一般纳税人, at the rate), with the rate in percent as decimal text
-- ("6", "1", "0"). Fee standards are tax-inclusive (价税合计), as they are published: a bill
-- keeps the output tax it contains (rounded half up to the fen), a waiver the part of it that
-- it takes back, so that revenue, 应交税费 and the subledger always agree.
ALTER TABLE books ADD COLUMN vat_scheme TEXT NOT NULL DEFAULT 'none' CHECK (vat_scheme IN ('none', 'small', 'general'));
ALTER TABLE books ADD COLUMN vat_rate TEXT NOT NULL DEFAULT '0';
ALTER TABLE bills ADD COLUMN tax_fen BIGINT NOT NULL DEFAULT 0 CHECK (tax_fen >= 0);
ALTER TABLE waivers ADD COLUMN tax_fen BIGINT NOT NULL DEFAULT 0 CHECK (tax_fen >= 0);
