-- 换表: a replaced meter's reading row also records the old meter's last reading (旧表止数,
-- whose use since the previous reading is billed with the month) and the new meter's first
-- (新表起数); before this a replacement counted the new meter from zero and dropped the old
-- meter's last stretch. Both stay NULL for a reading that is not a replacement.
ALTER TABLE meter_readings ADD COLUMN old_meter_final TEXT;
ALTER TABLE meter_readings ADD COLUMN new_meter_start TEXT;
