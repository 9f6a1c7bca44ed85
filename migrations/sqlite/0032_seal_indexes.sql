-- verify reads a book's vouchers page by page against their seals. Most vouchers seal no
-- subledger rows (their digest is empty, or absent before the seals): the partial index lets
-- it read only those that seal some, and the waivers' index lets it read a page's waivers by
-- voucher rather than probe the waivers for every voucher.
CREATE INDEX vouchers_sealed ON vouchers (community_id, book_id, id) WHERE subledger_digest <> '';
CREATE INDEX waivers_voucher ON waivers (community_id, voucher_id);
