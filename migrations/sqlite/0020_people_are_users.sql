-- Everyone recorded on a voucher, a period close, a billing run, a payment, a void, a billing
-- reversal or a waiver is a user (DESIGN.md §2, Users and roles; issue 11). The names the books
-- carry so far become users who cannot log in (no password) until an admin gives them one, with
-- the role their place implies (制单, closing and billing: accountant; 审核, 记账 and approving:
-- reviewer; taking payments: cashier) in the communities where they appear. A user who already
-- existed keeps exactly the roles and communities it had: a name someone typed on the command line
-- grants nothing.

-- 系统 makes the vouchers the system generates (ledger::SYSTEM_MAKER): a user in every database,
-- without a password, a role or a community, so that it can never sign in or act by hand.
INSERT INTO users (username, display_name, street, password_hash, disabled_at, created_at)
SELECT '系统', '系统（自动生成）', '', NULL, NULL, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
WHERE NOT EXISTS (SELECT 1 FROM users WHERE username = '系统');

-- The users this migration creates carry no role yet; every user made by `user add` has one.
INSERT INTO users (username, display_name, street, password_hash, disabled_at, created_at)
SELECT DISTINCT name, name, '', NULL, NULL, strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM (
    SELECT maker AS name FROM vouchers WHERE maker IS NOT NULL
    UNION SELECT reviewer AS name FROM vouchers WHERE reviewer IS NOT NULL
    UNION SELECT poster AS name FROM vouchers WHERE poster IS NOT NULL
    UNION SELECT closed_by AS name FROM periods WHERE closed_by IS NOT NULL
    UNION SELECT created_by AS name FROM billing_runs WHERE created_by IS NOT NULL
    UNION SELECT cashier AS name FROM payments WHERE cashier IS NOT NULL
    UNION SELECT approver AS name FROM payment_voids WHERE approver IS NOT NULL
    UNION SELECT approver AS name FROM billing_reversals WHERE approver IS NOT NULL
    UNION SELECT approver AS name FROM waivers WHERE approver IS NOT NULL
) AS recorded
WHERE name NOT IN (SELECT username FROM users);

INSERT INTO user_communities (community_id, user_id)
SELECT DISTINCT recorded.community_id, users.id FROM (
    SELECT maker AS name, community_id FROM vouchers WHERE maker IS NOT NULL
    UNION SELECT reviewer AS name, community_id FROM vouchers WHERE reviewer IS NOT NULL
    UNION SELECT poster AS name, community_id FROM vouchers WHERE poster IS NOT NULL
    UNION SELECT closed_by AS name, community_id FROM periods WHERE closed_by IS NOT NULL
    UNION SELECT created_by AS name, community_id FROM billing_runs WHERE created_by IS NOT NULL
    UNION SELECT cashier AS name, community_id FROM payments WHERE cashier IS NOT NULL
    UNION SELECT approver AS name, community_id FROM payment_voids WHERE approver IS NOT NULL
    UNION SELECT approver AS name, community_id FROM billing_reversals WHERE approver IS NOT NULL
    UNION SELECT approver AS name, community_id FROM waivers WHERE approver IS NOT NULL
) AS recorded
JOIN users ON users.username = recorded.name
WHERE users.username <> '系统' AND NOT EXISTS (SELECT 1 FROM user_roles WHERE user_roles.user_id = users.id);

INSERT INTO user_roles (user_id, role)
SELECT DISTINCT users.id, recorded.role FROM (
    SELECT maker AS name, 'accountant' AS role FROM vouchers WHERE maker IS NOT NULL
    UNION SELECT reviewer AS name, 'reviewer' AS role FROM vouchers WHERE reviewer IS NOT NULL
    UNION SELECT poster AS name, 'reviewer' AS role FROM vouchers WHERE poster IS NOT NULL
    UNION SELECT closed_by AS name, 'accountant' AS role FROM periods WHERE closed_by IS NOT NULL
    UNION SELECT created_by AS name, 'accountant' AS role FROM billing_runs WHERE created_by IS NOT NULL
    UNION SELECT cashier AS name, 'cashier' AS role FROM payments WHERE cashier IS NOT NULL
    UNION SELECT approver AS name, 'reviewer' AS role FROM payment_voids WHERE approver IS NOT NULL
    UNION SELECT approver AS name, 'reviewer' AS role FROM billing_reversals WHERE approver IS NOT NULL
    UNION SELECT approver AS name, 'reviewer' AS role FROM waivers WHERE approver IS NOT NULL
) AS recorded
JOIN users ON users.username = recorded.name
WHERE users.username <> '系统' AND NOT EXISTS (SELECT 1 FROM user_roles WHERE user_roles.user_id = users.id);

-- SQLite cannot add a foreign key to a table in place; a trigger refuses the same writes.
-- The message names the rule for store::constraint.
CREATE TRIGGER vouchers_people_are_users_insert BEFORE INSERT ON vouchers
WHEN (NEW.maker IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users WHERE username = NEW.maker))
    OR (NEW.reviewer IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users WHERE username = NEW.reviewer))
    OR (NEW.poster IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users WHERE username = NEW.poster))
BEGIN SELECT RAISE(ABORT, 'person_is_user: vouchers records a name that is not a user'); END;
CREATE TRIGGER vouchers_people_are_users_update BEFORE UPDATE OF maker, reviewer, poster ON vouchers
WHEN (NEW.maker IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users WHERE username = NEW.maker))
    OR (NEW.reviewer IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users WHERE username = NEW.reviewer))
    OR (NEW.poster IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users WHERE username = NEW.poster))
BEGIN SELECT RAISE(ABORT, 'person_is_user: vouchers records a name that is not a user'); END;
CREATE TRIGGER periods_people_are_users_insert BEFORE INSERT ON periods
WHEN (NEW.closed_by IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users WHERE username = NEW.closed_by))
BEGIN SELECT RAISE(ABORT, 'person_is_user: periods records a name that is not a user'); END;
CREATE TRIGGER periods_people_are_users_update BEFORE UPDATE OF closed_by ON periods
WHEN (NEW.closed_by IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users WHERE username = NEW.closed_by))
BEGIN SELECT RAISE(ABORT, 'person_is_user: periods records a name that is not a user'); END;
CREATE TRIGGER billing_runs_people_are_users_insert BEFORE INSERT ON billing_runs
WHEN (NEW.created_by IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users WHERE username = NEW.created_by))
BEGIN SELECT RAISE(ABORT, 'person_is_user: billing_runs records a name that is not a user'); END;
CREATE TRIGGER billing_runs_people_are_users_update BEFORE UPDATE OF created_by ON billing_runs
WHEN (NEW.created_by IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users WHERE username = NEW.created_by))
BEGIN SELECT RAISE(ABORT, 'person_is_user: billing_runs records a name that is not a user'); END;
CREATE TRIGGER payments_people_are_users_insert BEFORE INSERT ON payments
WHEN (NEW.cashier IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users WHERE username = NEW.cashier))
BEGIN SELECT RAISE(ABORT, 'person_is_user: payments records a name that is not a user'); END;
CREATE TRIGGER payments_people_are_users_update BEFORE UPDATE OF cashier ON payments
WHEN (NEW.cashier IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users WHERE username = NEW.cashier))
BEGIN SELECT RAISE(ABORT, 'person_is_user: payments records a name that is not a user'); END;
CREATE TRIGGER payment_voids_people_are_users_insert BEFORE INSERT ON payment_voids
WHEN (NEW.approver IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users WHERE username = NEW.approver))
BEGIN SELECT RAISE(ABORT, 'person_is_user: payment_voids records a name that is not a user'); END;
CREATE TRIGGER payment_voids_people_are_users_update BEFORE UPDATE OF approver ON payment_voids
WHEN (NEW.approver IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users WHERE username = NEW.approver))
BEGIN SELECT RAISE(ABORT, 'person_is_user: payment_voids records a name that is not a user'); END;
CREATE TRIGGER billing_reversals_people_are_users_insert BEFORE INSERT ON billing_reversals
WHEN (NEW.approver IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users WHERE username = NEW.approver))
BEGIN SELECT RAISE(ABORT, 'person_is_user: billing_reversals records a name that is not a user'); END;
CREATE TRIGGER billing_reversals_people_are_users_update BEFORE UPDATE OF approver ON billing_reversals
WHEN (NEW.approver IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users WHERE username = NEW.approver))
BEGIN SELECT RAISE(ABORT, 'person_is_user: billing_reversals records a name that is not a user'); END;
CREATE TRIGGER waivers_people_are_users_insert BEFORE INSERT ON waivers
WHEN (NEW.approver IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users WHERE username = NEW.approver))
BEGIN SELECT RAISE(ABORT, 'person_is_user: waivers records a name that is not a user'); END;
CREATE TRIGGER waivers_people_are_users_update BEFORE UPDATE OF approver ON waivers
WHEN (NEW.approver IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users WHERE username = NEW.approver))
BEGIN SELECT RAISE(ABORT, 'person_is_user: waivers records a name that is not a user'); END;
