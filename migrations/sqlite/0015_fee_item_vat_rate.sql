-- A fee item's own VAT rate (percent, decimal text), where it differs from the book's: a
-- general taxpayer's 停车费 (不动产经营租赁, 9 %) beside its 物业服务费 (6 %). NULL: the book's.
ALTER TABLE fee_items ADD COLUMN vat_rate TEXT;
