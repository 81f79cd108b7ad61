/* webhooks--1.0.sql: the webhooks extension, version 1.0 */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION webhooks" to load this file. \quit

/*
 * Roles, after Socotra's permission groups.  Roles belong to the cluster, so
 * each is created only when missing (a second database reuses them) and
 * DROP EXTENSION leaves them.
 */
DO $roles$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'webhooks_reader') THEN
		CREATE ROLE webhooks_reader NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'webhooks_writer') THEN
		CREATE ROLE webhooks_writer NOLOGIN IN ROLE webhooks_reader;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'webhooks_publisher') THEN
		CREATE ROLE webhooks_publisher NOLOGIN;
	END IF;
END
$roles$;

GRANT USAGE ON SCHEMA webhooks TO webhooks_reader, webhooks_writer, webhooks_publisher;

/* ---------------------------------------------------------------------
 * The ulid type: 16 bytes, Crockford base32 text, time-ordered.
 * --------------------------------------------------------------------- */

CREATE TYPE webhooks.ulid;

CREATE FUNCTION webhooks.ulid_in(cstring) RETURNS webhooks.ulid
	AS 'MODULE_PATHNAME', 'webhooks_ulid_in'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION webhooks.ulid_out(webhooks.ulid) RETURNS cstring
	AS 'MODULE_PATHNAME', 'webhooks_ulid_out'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION webhooks.ulid_recv(internal) RETURNS webhooks.ulid
	AS 'MODULE_PATHNAME', 'webhooks_ulid_recv'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION webhooks.ulid_send(webhooks.ulid) RETURNS bytea
	AS 'MODULE_PATHNAME', 'webhooks_ulid_send'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE webhooks.ulid (
	INPUT = webhooks.ulid_in,
	OUTPUT = webhooks.ulid_out,
	RECEIVE = webhooks.ulid_recv,
	SEND = webhooks.ulid_send,
	INTERNALLENGTH = 16,
	ALIGNMENT = char,
	STORAGE = plain
);
COMMENT ON TYPE webhooks.ulid IS
	'Universally unique lexicographically sortable identifier: 48-bit millisecond time and 80 random bits';

CREATE FUNCTION webhooks.ulid_eq(webhooks.ulid, webhooks.ulid) RETURNS boolean
	AS 'MODULE_PATHNAME', 'webhooks_ulid_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION webhooks.ulid_ne(webhooks.ulid, webhooks.ulid) RETURNS boolean
	AS 'MODULE_PATHNAME', 'webhooks_ulid_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION webhooks.ulid_lt(webhooks.ulid, webhooks.ulid) RETURNS boolean
	AS 'MODULE_PATHNAME', 'webhooks_ulid_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION webhooks.ulid_le(webhooks.ulid, webhooks.ulid) RETURNS boolean
	AS 'MODULE_PATHNAME', 'webhooks_ulid_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION webhooks.ulid_gt(webhooks.ulid, webhooks.ulid) RETURNS boolean
	AS 'MODULE_PATHNAME', 'webhooks_ulid_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION webhooks.ulid_ge(webhooks.ulid, webhooks.ulid) RETURNS boolean
	AS 'MODULE_PATHNAME', 'webhooks_ulid_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION webhooks.ulid_cmp(webhooks.ulid, webhooks.ulid) RETURNS integer
	AS 'MODULE_PATHNAME', 'webhooks_ulid_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION webhooks.ulid_hash(webhooks.ulid) RETURNS integer
	AS 'MODULE_PATHNAME', 'webhooks_ulid_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION webhooks.ulid_hash_extended(webhooks.ulid, bigint) RETURNS bigint
	AS 'MODULE_PATHNAME', 'webhooks_ulid_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE OPERATOR webhooks.= (
	LEFTARG = webhooks.ulid, RIGHTARG = webhooks.ulid, PROCEDURE = webhooks.ulid_eq,
	COMMUTATOR = OPERATOR(webhooks.=), NEGATOR = OPERATOR(webhooks.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES
);
CREATE OPERATOR webhooks.<> (
	LEFTARG = webhooks.ulid, RIGHTARG = webhooks.ulid, PROCEDURE = webhooks.ulid_ne,
	COMMUTATOR = OPERATOR(webhooks.<>), NEGATOR = OPERATOR(webhooks.=),
	RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR webhooks.< (
	LEFTARG = webhooks.ulid, RIGHTARG = webhooks.ulid, PROCEDURE = webhooks.ulid_lt,
	COMMUTATOR = OPERATOR(webhooks.>), NEGATOR = OPERATOR(webhooks.>=),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR webhooks.<= (
	LEFTARG = webhooks.ulid, RIGHTARG = webhooks.ulid, PROCEDURE = webhooks.ulid_le,
	COMMUTATOR = OPERATOR(webhooks.>=), NEGATOR = OPERATOR(webhooks.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR webhooks.> (
	LEFTARG = webhooks.ulid, RIGHTARG = webhooks.ulid, PROCEDURE = webhooks.ulid_gt,
	COMMUTATOR = OPERATOR(webhooks.<), NEGATOR = OPERATOR(webhooks.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
CREATE OPERATOR webhooks.>= (
	LEFTARG = webhooks.ulid, RIGHTARG = webhooks.ulid, PROCEDURE = webhooks.ulid_ge,
	COMMUTATOR = OPERATOR(webhooks.<=), NEGATOR = OPERATOR(webhooks.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel
);

CREATE OPERATOR CLASS webhooks.ulid_ops
	DEFAULT FOR TYPE webhooks.ulid USING btree AS
		OPERATOR 1 webhooks.<,
		OPERATOR 2 webhooks.<=,
		OPERATOR 3 webhooks.=,
		OPERATOR 4 webhooks.>=,
		OPERATOR 5 webhooks.>,
		FUNCTION 1 webhooks.ulid_cmp(webhooks.ulid, webhooks.ulid),
		FUNCTION 4 pg_catalog.btequalimage(oid);

CREATE OPERATOR CLASS webhooks.ulid_hash_ops
	DEFAULT FOR TYPE webhooks.ulid USING hash AS
		OPERATOR 1 webhooks.=,
		FUNCTION 1 webhooks.ulid_hash(webhooks.ulid),
		FUNCTION 2 webhooks.ulid_hash_extended(webhooks.ulid, bigint);

-- a ulid and a uuid are both 16 bytes, laid out alike
CREATE CAST (webhooks.ulid AS uuid) WITHOUT FUNCTION;
CREATE CAST (uuid AS webhooks.ulid) WITHOUT FUNCTION;

CREATE FUNCTION webhooks.gen_ulid() RETURNS webhooks.ulid
	AS 'MODULE_PATHNAME', 'webhooks_gen_ulid'
	LANGUAGE C VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION webhooks.gen_ulid() IS
	'New ulid, monotonic within a millisecond in one session';

CREATE FUNCTION webhooks.ulid_time(webhooks.ulid) RETURNS timestamptz
	AS 'MODULE_PATHNAME', 'webhooks_ulid_time'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION webhooks.ulid_time(webhooks.ulid) IS
	'Time encoded in a ulid, to the millisecond';

CREATE FUNCTION webhooks.ulid_floor(timestamptz) RETURNS webhooks.ulid
	AS 'MODULE_PATHNAME', 'webhooks_ulid_floor'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION webhooks.ulid_floor(timestamptz) IS
	'Smallest ulid of the millisecond containing a time: a lower bound for scans by time';

/* ---------------------------------------------------------------------
 * The event-type catalog (global, not per tenant).
 * --------------------------------------------------------------------- */

CREATE TABLE webhooks.event_type (
	name		text PRIMARY KEY,
	description text,
	builtin		boolean NOT NULL DEFAULT false,
	created_at	timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE webhooks.event_type IS
	'Event types webhooks may subscribe to: Socotra''s built-in types and registered ones';

-- user-registered types are configuration: pg_dump keeps them
SELECT pg_catalog.pg_extension_config_dump('webhooks.event_type', 'WHERE NOT builtin');

INSERT INTO webhooks.event_type (name, description, builtin)
SELECT name, description, true FROM (VALUES
    ('account.config.migration.failed', 'PolicyService event; data schema ConfigMigrationEventPayload'),
    ('account.numberAssignmentFailed', 'PolicyService event; data schema NumberingData'),
    ('billing.creditdistribution.create', 'BillingService event; data schema CreditDistributionEventData'),
    ('billing.creditdistribution.distribute', 'BillingService event; data schema CreditDistributionEventData'),
    ('billing.creditdistribution.reverse', 'BillingService event; data schema CreditDistributionEventData'),
    ('billing.delinquency.create', 'BillingService event; data schema DelinquencyEventData'),
    ('billing.delinquency.delinquencyevent.activate', 'BillingService event; data schema DelinquencyEventEventData'),
    ('billing.delinquency.delinquencyevent.cancel', 'BillingService event; data schema DelinquencyEventEventData'),
    ('billing.delinquency.delinquencyevent.create', 'BillingService event; data schema DelinquencyEventEventData'),
    ('billing.delinquency.delinquencyevent.trigger', 'BillingService event; data schema DelinquencyEventEventData'),
    ('billing.delinquency.lapse', 'BillingService event; data schema DelinquencyEventData'),
    ('billing.delinquency.settle', 'BillingService event; data schema DelinquencyEventData'),
    ('billing.disbursement.anonymize', 'BillingService event; data schema DisbursementEventData'),
    ('billing.disbursement.approve', 'BillingService event; data schema DisbursementEventData'),
    ('billing.disbursement.create', 'BillingService event; data schema DisbursementEventData'),
    ('billing.disbursement.execute', 'BillingService event; data schema DisbursementEventData'),
    ('billing.disbursement.reject', 'BillingService event; data schema DisbursementEventData'),
    ('billing.disbursement.reverse', 'BillingService event; data schema DisbursementEventData'),
    ('billing.hold.activate', 'BillingService event; data schema HoldEventData'),
    ('billing.hold.create', 'BillingService event; data schema HoldEventData'),
    ('billing.hold.discard', 'BillingService event; data schema HoldEventData'),
    ('billing.hold.release', 'BillingService event; data schema HoldEventData'),
    ('billing.hold.reset', 'BillingService event; data schema HoldEventData'),
    ('billing.hold.validate', 'BillingService event; data schema HoldEventData'),
    ('billing.installmentlattice.create', 'BillingService event; data schema InstallmentLatticeCreateData'),
    ('billing.invoice.autopay', 'BillingService event; data schema InvoiceAutopayData'),
    ('billing.invoice.autopayfailed', 'BillingService event; data schema InvoiceAutopayData'),
    ('billing.invoice.generate', 'BillingService event; data schema InvoiceGeneratedEventData'),
    ('billing.invoice.settle', 'BillingService event; data schema InvoiceSettledEventData'),
    ('billing.invoice.unsettle', 'BillingService event; data schema InvoiceSettledEventData'),
    ('billing.payment.anonymize', 'BillingService event; data schema PaymentEventData'),
    ('billing.payment.cancel', 'BillingService event; data schema PaymentEventData'),
    ('billing.payment.create', 'BillingService event; data schema PaymentEventData'),
    ('billing.payment.distribute', 'BillingService event; data schema PaymentEventData'),
    ('billing.payment.execute', 'BillingService event; data schema PaymentEventData'),
    ('billing.payment.fail', 'BillingService event; data schema PaymentEventData'),
    ('billing.payment.post', 'BillingService event; data schema PaymentEventData'),
    ('billing.payment.request', 'BillingService event; data schema PaymentEventData'),
    ('billing.payment.reverse', 'BillingService event; data schema PaymentEventData'),
    ('billing.payment.validationfailed', 'BillingService event; data schema PaymentEventData'),
    ('billing.shortfallcredit.create', 'BillingService event; data schema ShortfallEventData'),
    ('billing.shortfallcredit.distribute', 'BillingService event; data schema ShortfallEventData'),
    ('billing.shortfallcredit.reverse', 'BillingService event; data schema ShortfallEventData'),
    ('billing.writeoff.create', 'BillingService event; data schema WriteOffEventData'),
    ('billing.writeoff.distribute', 'BillingService event; data schema WriteOffEventData'),
    ('billing.writeoff.reverse', 'BillingService event; data schema WriteOffEventData'),
    ('claim.fnol.anonymize', 'ClaimService event; data schema FnolEventData'),
    ('claim.fnol.complete', 'ClaimService event; data schema FnolEventData'),
    ('claim.fnol.create', 'ClaimService event; data schema FnolEventData'),
    ('claim.fnol.discard', 'ClaimService event; data schema FnolEventData'),
    ('claim.fnol.onclaim', 'ClaimService event; data schema FnolClaimData'),
    ('claim.fnol.reject', 'ClaimService event; data schema FnolEventData'),
    ('claim.fnol.update', 'ClaimService event; data schema FnolEventData'),
    ('claim.fnol.validate', 'ClaimService event; data schema FnolEventData'),
    ('contact.anonymized', 'ContactService event; data schema ContactEventData'),
    ('contact.created', 'ContactService event; data schema ContactEventData'),
    ('contact.merged', 'ContactService event; data schema ContactMergeEventData'),
    ('contact.validated', 'ContactService event; data schema ContactEventData'),
    ('disbursement.numberAssignmentFailed', 'BillingService event; data schema NumberingEventData'),
    ('document.failed', 'DocumentService event; data schema DocumentEventData'),
    ('document.ready', 'DocumentService event; data schema DocumentEventData'),
    ('fnol.numberAssignmentFailed', 'ClaimService event; data schema FnolEventData'),
    ('invoice.numberAssignmentFailed', 'BillingService event; data schema NumberingEventData'),
    ('migration.error', 'MigrationService event; data schema MigrationEventData'),
    ('migration.fail', 'MigrationService event; data schema MigrationEventData'),
    ('migration.finish', 'MigrationService event; data schema MigrationEventData'),
    ('migration.patch', 'MigrationService event; data schema MigrationEventData'),
    ('migration.pause', 'MigrationService event; data schema MigrationEventData'),
    ('migration.recover', 'MigrationService event; data schema MigrationEventData'),
    ('migration.resume', 'MigrationService event; data schema MigrationEventData'),
    ('migration.start', 'MigrationService event; data schema MigrationEventData'),
    ('moratorium.create', 'DeploymentService event; data schema MoratoriumEventData'),
    ('moratorium.effective', 'DeploymentService event; data schema MoratoriumEventData'),
    ('moratorium.end', 'DeploymentService event; data schema MoratoriumEventData'),
    ('moratorium.update', 'DeploymentService event; data schema MoratoriumEventData'),
    ('payment.numberAssignmentFailed', 'BillingService event; data schema NumberingEventData'),
    ('policy.account.anonymize', 'PolicyService event; data schema AccountEventData'),
    ('policy.account.create', 'PolicyService event; data schema AccountEventData'),
    ('policy.account.discard', 'PolicyService event; data schema AccountEventData'),
    ('policy.account.update', 'PolicyService event; data schema AccountEventData'),
    ('policy.account.validate', 'PolicyService event; data schema AccountEventData'),
    ('policy.anonymize', 'PolicyService event; data schema PolicyLocatorData'),
    ('policy.cancellation.accept', 'PolicyService event; data schema TransactionEventData'),
    ('policy.cancellation.create', 'PolicyService event; data schema TransactionEventData'),
    ('policy.cancellation.discard', 'PolicyService event; data schema TransactionEventData'),
    ('policy.cancellation.issue', 'PolicyService event; data schema TransactionEventData'),
    ('policy.cancellation.manualUnderwrite', 'PolicyService event; data schema TransactionManualUnderwritingEventData'),
    ('policy.cancellation.price', 'PolicyService event; data schema TransactionEventData'),
    ('policy.cancellation.refuse', 'PolicyService event; data schema TransactionEventData'),
    ('policy.cancellation.reset', 'PolicyService event; data schema TransactionEventData'),
    ('policy.cancellation.underwrite', 'PolicyService event; data schema TransactionUnderwritingEventData'),
    ('policy.cancellation.update', 'PolicyService event; data schema TransactionEventData'),
    ('policy.cancellation.validate', 'PolicyService event; data schema TransactionEventData'),
    ('policy.change.accept', 'PolicyService event; data schema TransactionEventData'),
    ('policy.change.create', 'PolicyService event; data schema TransactionEventData'),
    ('policy.change.discard', 'PolicyService event; data schema TransactionEventData'),
    ('policy.change.issue', 'PolicyService event; data schema TransactionEventData'),
    ('policy.change.manualUnderwrite', 'PolicyService event; data schema TransactionManualUnderwritingEventData'),
    ('policy.change.price', 'PolicyService event; data schema TransactionEventData'),
    ('policy.change.refuse', 'PolicyService event; data schema TransactionEventData'),
    ('policy.change.reset', 'PolicyService event; data schema TransactionEventData'),
    ('policy.change.underwrite', 'PolicyService event; data schema TransactionUnderwritingEventData'),
    ('policy.change.validate', 'PolicyService event; data schema TransactionEventData'),
    ('policy.config.migration.failed', 'PolicyService event; data schema PolicyConfigMigrationEventPayload'),
    ('policy.migrateOnRenewal.disable', 'PolicyService event; data schema PolicyLocatorData'),
    ('policy.migrateOnRenewal.enable', 'PolicyService event; data schema PolicyLocatorData'),
    ('policy.numberAssignmentFailed', 'PolicyService event; data schema NumberingData'),
    ('policy.quote.accept', 'PolicyService event; data schema QuoteEventData'),
    ('policy.quote.anonymize', 'PolicyService event; data schema QuoteEventData'),
    ('policy.quote.create', 'PolicyService event; data schema QuoteEventData'),
    ('policy.quote.discard', 'PolicyService event; data schema QuoteEventData'),
    ('policy.quote.issue', 'PolicyService event; data schema QuoteEventData'),
    ('policy.quote.manualunderwrite', 'PolicyService event; data schema QuoteManuallyUnderwrittenEventData'),
    ('policy.quote.policyNumberAssigned', 'PolicyService event; data schema NumberingData'),
    ('policy.quote.policyNumberRequested', 'PolicyService event; data schema QuotePolicyNumberData'),
    ('policy.quote.price', 'PolicyService event; data schema QuoteEventData'),
    ('policy.quote.refuse', 'PolicyService event; data schema QuoteEventData'),
    ('policy.quote.reset', 'PolicyService event; data schema QuoteEventData'),
    ('policy.quote.staticdata.add', 'PolicyService event; data schema QuoteEventData'),
    ('policy.quote.staticdata.anonymize', 'PolicyService event; data schema QuoteEventData'),
    ('policy.quote.staticdata.replace', 'PolicyService event; data schema QuoteEventData'),
    ('policy.quote.staticdata.update', 'PolicyService event; data schema QuoteEventData'),
    ('policy.quote.underwrite', 'PolicyService event; data schema QuoteUnderwrittenEventData'),
    ('policy.quote.update', 'PolicyService event; data schema QuoteEventData'),
    ('policy.quote.validate', 'PolicyService event; data schema QuoteEventData'),
    ('policy.reinstatement.accept', 'PolicyService event; data schema TransactionEventData'),
    ('policy.reinstatement.create', 'PolicyService event; data schema TransactionEventData'),
    ('policy.reinstatement.discard', 'PolicyService event; data schema TransactionEventData'),
    ('policy.reinstatement.issue', 'PolicyService event; data schema TransactionEventData'),
    ('policy.reinstatement.manualUnderwrite', 'PolicyService event; data schema TransactionManualUnderwritingEventData'),
    ('policy.reinstatement.price', 'PolicyService event; data schema TransactionEventData'),
    ('policy.reinstatement.refuse', 'PolicyService event; data schema TransactionEventData'),
    ('policy.reinstatement.reset', 'PolicyService event; data schema TransactionEventData'),
    ('policy.reinstatement.underwrite', 'PolicyService event; data schema TransactionUnderwritingEventData'),
    ('policy.reinstatement.update', 'PolicyService event; data schema TransactionEventData'),
    ('policy.reinstatement.validate', 'PolicyService event; data schema TransactionEventData'),
    ('policy.renewal.accept', 'PolicyService event; data schema TransactionEventData'),
    ('policy.renewal.create', 'PolicyService event; data schema TransactionEventData'),
    ('policy.renewal.discard', 'PolicyService event; data schema TransactionEventData'),
    ('policy.renewal.issue', 'PolicyService event; data schema TransactionEventData'),
    ('policy.renewal.manualUnderwrite', 'PolicyService event; data schema TransactionManualUnderwritingEventData'),
    ('policy.renewal.price', 'PolicyService event; data schema TransactionEventData'),
    ('policy.renewal.refuse', 'PolicyService event; data schema TransactionEventData'),
    ('policy.renewal.reset', 'PolicyService event; data schema TransactionEventData'),
    ('policy.renewal.underwrite', 'PolicyService event; data schema TransactionUnderwritingEventData'),
    ('policy.renewal.update', 'PolicyService event; data schema TransactionEventData'),
    ('policy.renewal.validate', 'PolicyService event; data schema TransactionEventData'),
    ('policy.reversal.accept', 'PolicyService event; data schema TransactionEventData'),
    ('policy.reversal.create', 'PolicyService event; data schema TransactionEventData'),
    ('policy.reversal.discard', 'PolicyService event; data schema TransactionEventData'),
    ('policy.reversal.issue', 'PolicyService event; data schema TransactionEventData'),
    ('policy.reversal.manualUnderwrite', 'PolicyService event; data schema TransactionManualUnderwritingEventData'),
    ('policy.reversal.price', 'PolicyService event; data schema TransactionEventData'),
    ('policy.reversal.refuse', 'PolicyService event; data schema TransactionEventData'),
    ('policy.reversal.reset', 'PolicyService event; data schema TransactionEventData'),
    ('policy.reversal.underwrite', 'PolicyService event; data schema TransactionUnderwritingEventData'),
    ('policy.reversal.update', 'PolicyService event; data schema TransactionEventData'),
    ('policy.reversal.validate', 'PolicyService event; data schema TransactionEventData'),
    ('policy.staticdata.add', 'PolicyService event; data schema PolicyLocatorData'),
    ('policy.staticdata.anonymize', 'PolicyService event; data schema PolicyLocatorData'),
    ('policy.staticdata.replace', 'PolicyService event; data schema PolicyLocatorData'),
    ('policy.staticdata.update', 'PolicyService event; data schema PolicyLocatorData'),
    ('policy.status.update', 'PolicyService event; data schema PolicyStatusEventData'),
    ('producers.producer.create', 'Producers event; data schema ProducerEventData'),
    ('producers.producer.discard', 'Producers event; data schema ProducerEventData'),
    ('producers.producer.retire', 'Producers event; data schema ProducerEventData'),
    ('producers.producer.suspend', 'Producers event; data schema ProducerEventData'),
    ('producers.producer.unsuspend', 'Producers event; data schema ProducerEventData'),
    ('producers.producer.update', 'Producers event; data schema ProducerEventData'),
    ('producers.producer.validate', 'Producers event; data schema ProducerEventData'),
    ('producers.producerappointment.create', 'Producers event; data schema ProducerAppointmentEventData'),
    ('producers.producerappointment.discard', 'Producers event; data schema ProducerAppointmentEventData'),
    ('producers.producerappointment.update', 'Producers event; data schema ProducerAppointmentEventData'),
    ('producers.producerappointment.validate', 'Producers event; data schema ProducerAppointmentEventData'),
    ('producers.producercode.create', 'Producers event; data schema ProducerCodeEventData'),
    ('producers.producercode.discard', 'Producers event; data schema ProducerCodeEventData'),
    ('producers.producercode.numberAssignmentFailed', 'Producers event; data schema ProducerCodeEventData'),
    ('producers.producercode.retire', 'Producers event; data schema ProducerCodeEventData'),
    ('producers.producercode.suspend', 'Producers event; data schema ProducerCodeEventData'),
    ('producers.producercode.unsuspend', 'Producers event; data schema ProducerCodeEventData'),
    ('producers.producercode.update', 'Producers event; data schema ProducerCodeEventData'),
    ('producers.producercode.validate', 'Producers event; data schema ProducerCodeEventData'),
    ('producers.producerlicense.create', 'Producers event; data schema ProducerLicenseEventData'),
    ('producers.producerlicense.discard', 'Producers event; data schema ProducerLicenseEventData'),
    ('producers.producerlicense.update', 'Producers event; data schema ProducerLicenseEventData'),
    ('producers.producerlicense.validate', 'Producers event; data schema ProducerLicenseEventData'),
    ('quote.config.migration.failed', 'PolicyService event; data schema ConfigMigrationEventPayload'),
    ('quote.numberAssignmentFailed', 'PolicyService event; data schema NumberingData'),
    ('term.numberAssignmentFailed', 'PolicyService event; data schema NumberingData'),
    ('userAssociation.associated', 'WorkManagementService event; data schema UserAssociationEventData'),
    ('userAssociation.completed', 'WorkManagementService event; data schema UserAssociationEventData'),
    ('userAssociation.disassociated', 'WorkManagementService event; data schema UserAssociationEventData'),
    ('userAssociation.uncompleted', 'WorkManagementService event; data schema UserAssociationEventData')
) AS seed(name, description);

CREATE FUNCTION webhooks.register_event_type(name text, description text DEFAULT NULL)
	RETURNS void
	AS 'MODULE_PATHNAME', 'webhooks_register_event_type'
	LANGUAGE C VOLATILE SECURITY DEFINER PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION webhooks.register_event_type(text, text) IS
	'Add an event type to the global catalog, or change its description';

/* ---------------------------------------------------------------------
 * Webhooks, per tenant.
 * --------------------------------------------------------------------- */

CREATE TABLE webhooks._webhook (
	tenant_locator uuid NOT NULL,
	locator		webhooks.ulid NOT NULL DEFAULT webhooks.gen_ulid(),
	name		text NOT NULL,
	enabled		boolean NOT NULL,
	event_types text[] NOT NULL CHECK (cardinality(event_types) > 0),
	-- endpoint
	url			text NOT NULL,
	headers		jsonb NOT NULL DEFAULT '{}',
	secure_ssl	boolean NOT NULL,
	hmac_enabled boolean NOT NULL,
	secret		text,
	tag			text,
	-- failure handling
	triggers	text[] NOT NULL,
	divert		boolean NOT NULL,
	suspend		boolean NOT NULL,
	retry_type	text CHECK (retry_type IN ('linear', 'exponential')),
	retry_interval bigint CHECK (retry_interval BETWEEN 1 AND 86400000),
	retry_attempts integer CHECK (retry_attempts BETWEEN 1 AND 10),
	alert_url	text,
	alert_headers jsonb,
	alert_secure_ssl boolean,
	alert_hmac_enabled boolean,
	alert_secret text,
	alert_tag	text,
	use_automation_plugin boolean NOT NULL DEFAULT false,
	-- state
	suspended	boolean NOT NULL DEFAULT false,
	suspended_at timestamptz,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_locator, locator),
	-- name first: a lookup by tenant and locator can only take the key
	UNIQUE (name, tenant_locator),
	CHECK ((retry_type IS NULL) = (retry_interval IS NULL)
		   AND (retry_type IS NULL) = (retry_attempts IS NULL)),
	CHECK (suspended OR suspended_at IS NULL)
);
COMMENT ON TABLE webhooks._webhook IS
	'Webhooks of every tenant; use the API functions, not this table';

-- Lists and the fan-out of published events scan one tenant's webhooks in
-- primary key order; a GIN index on event_types would span every tenant
-- and lead the planner astray, so there is none.

SELECT pg_catalog.pg_extension_config_dump('webhooks._webhook', '');

/* ---------------------------------------------------------------------
 * The Webhooks API.
 * --------------------------------------------------------------------- */

CREATE FUNCTION webhooks.create_webhook(tenant_locator uuid, request jsonb)
	RETURNS jsonb
	AS 'MODULE_PATHNAME', 'webhooks_create_webhook'
	LANGUAGE C VOLATILE SECURITY DEFINER PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION webhooks.create_webhook(uuid, jsonb) IS
	'createWebhook: register a webhook from a CreateWebhookRequest; returns the WebhookResponse';

CREATE FUNCTION webhooks.fetch_webhook(tenant_locator uuid, webhook_locator webhooks.ulid)
	RETURNS jsonb
	AS 'MODULE_PATHNAME', 'webhooks_fetch_webhook'
	LANGUAGE C STABLE SECURITY DEFINER PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION webhooks.fetch_webhook(uuid, webhooks.ulid) IS
	'fetchWebhook: one webhook of a tenant as a WebhookResponse';

CREATE FUNCTION webhooks.fetch_webhooks(
	tenant_locator uuid,
	"offset" integer DEFAULT NULL,
	count integer DEFAULT NULL,
	name text DEFAULT NULL,
	enabled boolean DEFAULT NULL,
	suspended boolean DEFAULT NULL,
	active boolean DEFAULT NULL,
	event_types text[] DEFAULT NULL,
	extended boolean DEFAULT NULL)
	RETURNS jsonb
	AS 'MODULE_PATHNAME', 'webhooks_fetch_webhooks'
	LANGUAGE C STABLE SECURITY DEFINER PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION webhooks.fetch_webhooks(uuid, integer, integer, text, boolean, boolean, boolean, text[], boolean) IS
	'fetchWebhooks: a page of a tenant''s webhooks in locator order, filtered; returns a WebhookListResponse';

CREATE FUNCTION webhooks.update_webhook(tenant_locator uuid, webhook_locator webhooks.ulid, request jsonb)
	RETURNS jsonb
	AS 'MODULE_PATHNAME', 'webhooks_update_webhook'
	LANGUAGE C VOLATILE SECURITY DEFINER PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION webhooks.update_webhook(uuid, webhooks.ulid, jsonb) IS
	'updateWebhook: apply an UpdateWebhookRequest, removals before additions; returns the WebhookResponse';

CREATE FUNCTION webhooks.unsuspend_webhook(tenant_locator uuid, webhook_locator webhooks.ulid)
	RETURNS void
	AS 'MODULE_PATHNAME', 'webhooks_unsuspend_webhook'
	LANGUAGE C VOLATILE SECURITY DEFINER PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION webhooks.unsuspend_webhook(uuid, webhooks.ulid) IS
	'unsuspendWebhook: clear a webhook''s suspension so that new events reach it';

CREATE FUNCTION webhooks.delete_webhook(tenant_locator uuid, webhook_locator webhooks.ulid)
	RETURNS void
	AS 'MODULE_PATHNAME', 'webhooks_delete_webhook'
	LANGUAGE C VOLATILE SECURITY DEFINER PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION webhooks.delete_webhook(uuid, webhooks.ulid) IS
	'deleteWebhook: delete a webhook';

/* ---------------------------------------------------------------------
 * Privileges: nothing for PUBLIC; each role what its permission allows.
 * --------------------------------------------------------------------- */

REVOKE ALL ON ALL TABLES IN SCHEMA webhooks FROM PUBLIC;
REVOKE ALL ON FUNCTION
	webhooks.register_event_type(text, text),
	webhooks.create_webhook(uuid, jsonb),
	webhooks.fetch_webhook(uuid, webhooks.ulid),
	webhooks.fetch_webhooks(uuid, integer, integer, text, boolean, boolean, boolean, text[], boolean),
	webhooks.update_webhook(uuid, webhooks.ulid, jsonb),
	webhooks.unsuspend_webhook(uuid, webhooks.ulid),
	webhooks.delete_webhook(uuid, webhooks.ulid)
	FROM PUBLIC;

GRANT EXECUTE ON FUNCTION
	webhooks.fetch_webhook(uuid, webhooks.ulid),
	webhooks.fetch_webhooks(uuid, integer, integer, text, boolean, boolean, boolean, text[], boolean)
	TO webhooks_reader;

GRANT EXECUTE ON FUNCTION
	webhooks.create_webhook(uuid, jsonb),
	webhooks.update_webhook(uuid, webhooks.ulid, jsonb),
	webhooks.unsuspend_webhook(uuid, webhooks.ulid),
	webhooks.delete_webhook(uuid, webhooks.ulid)
	TO webhooks_writer;

/* ---------------------------------------------------------------------
 * Events and their delivery.
 * --------------------------------------------------------------------- */

CREATE TABLE webhooks._event (
	tenant_locator uuid NOT NULL,
	locator		webhooks.ulid NOT NULL,
	type		text NOT NULL,
	request_id	webhooks.ulid NOT NULL,
	user_locator uuid,
	-- the EventResponse document, exactly the body every delivery sends
	payload		text NOT NULL,
	published_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_locator, locator)
);
COMMENT ON TABLE webhooks._event IS
	'Published events; payload is the EventResponse JSON each delivery sends';
CREATE INDEX _event_request_idx ON webhooks._event (tenant_locator, request_id);
-- type first: a lookup by tenant and locator can only take the key
CREATE INDEX _event_type_idx ON webhooks._event (type, tenant_locator, locator);
CREATE INDEX _event_time_idx ON webhooks._event USING brin (published_at);

CREATE TABLE webhooks._delivery (
	tenant_locator uuid NOT NULL,
	webhook_locator webhooks.ulid NOT NULL,
	event_locator webhooks.ulid NOT NULL,
	attempts	integer NOT NULL DEFAULT 0,
	-- when it may be sent: at once, or when a retry is due
	due_at		timestamptz NOT NULL DEFAULT now(),
	-- set while the worker has it in flight; a worker that died leaves a
	-- lease that runs out by itself
	leased_until timestamptz,
	-- a resend of a diverted event: success removes the diverted record
	resend		boolean NOT NULL DEFAULT false,
	PRIMARY KEY (tenant_locator, webhook_locator, event_locator)
);
COMMENT ON TABLE webhooks._delivery IS
	'Delivery queue: one row per event and subscribed webhook until its outcome is final';
-- the claim order; the worker pages through it with a cursor, so that it
-- never rescans what it has in flight
CREATE INDEX _delivery_due_idx
	ON webhooks._delivery (due_at, event_locator, webhook_locator);
-- the lease changes only unindexed columns: claims are HOT updates
ALTER TABLE webhooks._delivery SET (fillfactor = 80,
	autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);

CREATE SEQUENCE webhooks._attempt_id_seq CACHE 1000;
CREATE TABLE webhooks._attempt (
	tenant_locator uuid NOT NULL,
	webhook_locator webhooks.ulid NOT NULL,
	id			bigint NOT NULL DEFAULT nextval('webhooks._attempt_id_seq'),
	event_locator webhooks.ulid NOT NULL,
	attempt		integer NOT NULL,
	attempted_at timestamptz NOT NULL,
	duration_ms double precision,
	status		integer,
	error		text,
	-- delivered, retrying, failed, dropped or diverted
	outcome		text NOT NULL,
	"trigger"	text,
	response	text,
	PRIMARY KEY (tenant_locator, webhook_locator, id)
);
COMMENT ON TABLE webhooks._attempt IS
	'Every delivery attempt with its outcome, kept for webhooks.attempt_retention';
CREATE INDEX _attempt_time_idx ON webhooks._attempt USING brin (attempted_at);

CREATE TABLE webhooks._webhook_stats (
	tenant_locator uuid NOT NULL,
	webhook_locator webhooks.ulid NOT NULL,
	delivered	bigint NOT NULL DEFAULT 0,
	failed		bigint NOT NULL DEFAULT 0,
	retried		bigint NOT NULL DEFAULT 0,
	dropped		bigint NOT NULL DEFAULT 0,
	last_delivered_at timestamptz,
	last_failed_at timestamptz,
	PRIMARY KEY (tenant_locator, webhook_locator)
);
COMMENT ON TABLE webhooks._webhook_stats IS
	'Delivery counters per webhook, kept by the worker';

CREATE TABLE webhooks._diverted_event (
	tenant_locator uuid NOT NULL,
	webhook_locator webhooks.ulid NOT NULL,
	event_locator webhooks.ulid NOT NULL,
	request_locator webhooks.ulid NOT NULL,
	failure_trigger text NOT NULL,
	failure_message text NOT NULL,
	failure_timestamp timestamptz NOT NULL,
	PRIMARY KEY (tenant_locator, webhook_locator, event_locator)
);
COMMENT ON TABLE webhooks._diverted_event IS
	'Events whose delivery failed for good (or arrived while suspended) on a webhook that diverts';
CREATE INDEX _diverted_event_time_idx
	ON webhooks._diverted_event (tenant_locator, webhook_locator, failure_timestamp);

/*
 * _claim leases up to batch due deliveries that come after a cursor in
 * claim order (due_at, event_locator, webhook_locator), skipping rows that
 * are leased, held by other sessions, or of the webhooks in exclude, and
 * returns what sending them needs, with the due time for the cursor and
 * what an alert about a final failure needs.
 * PL/pgSQL, so that the worker's session keeps the plans.
 */
CREATE FUNCTION webhooks._claim(batch integer, lease_ms bigint, exclude uuid[],
								after_due timestamptz, after_event uuid,
								after_webhook uuid)
	RETURNS TABLE (
		tenant_locator uuid, webhook_locator uuid, event_locator uuid,
		attempt integer, resend boolean, url text, headers jsonb,
		secure_ssl boolean, hmac_enabled boolean, secret text, tag text,
		enabled boolean, suspended boolean, triggers text[], divert boolean,
		suspend boolean, retry_type text, retry_interval bigint,
		retry_attempts integer, payload text, due_at timestamptz,
		name text, event_type text, alert_url text, alert_headers jsonb,
		alert_secure_ssl boolean, alert_hmac_enabled boolean,
		alert_secret text, alert_tag text)
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = webhooks, pg_catalog, pg_temp
	-- A batch touches a few hundred rows of large tables: each row is
	-- found by its key (the LATERAL ... OFFSET 0 lookups below cannot be
	-- reordered), whatever the statistics of a queue that is often empty
	-- say when the plan is made and kept.
	SET enable_hashjoin = off
	SET enable_mergejoin = off
	SET enable_seqscan = off
	AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	WITH u AS (
		UPDATE _delivery d
		SET leased_until = now() + lease_ms * interval '1 millisecond',
			attempts = d.attempts + 1
		WHERE d.ctid = ANY (ARRAY(
			SELECT q.ctid FROM _delivery q
			WHERE q.due_at <= now()
			  AND (q.due_at, q.event_locator, q.webhook_locator)
				  > (after_due, after_event::ulid, after_webhook::ulid)
			  AND (q.leased_until IS NULL OR q.leased_until < now())
			  AND q.webhook_locator::uuid <> ALL (exclude)
			ORDER BY q.due_at, q.event_locator, q.webhook_locator
			LIMIT batch
			FOR UPDATE SKIP LOCKED))
		RETURNING d.tenant_locator, d.webhook_locator, d.event_locator,
				  d.attempts, d.resend, d.due_at
	)
	SELECT u.tenant_locator, u.webhook_locator::uuid, u.event_locator::uuid,
		   u.attempts, u.resend, w.url, w.headers, w.secure_ssl,
		   w.hmac_enabled, w.secret, w.tag, w.enabled, w.suspended,
		   w.triggers, w.divert, w.suspend, w.retry_type, w.retry_interval,
		   w.retry_attempts, e.payload, u.due_at, w.name, e.type, w.alert_url,
		   w.alert_headers, w.alert_secure_ssl, w.alert_hmac_enabled,
		   w.alert_secret, w.alert_tag
	FROM u
	-- OFFSET 0 keeps these lookups apart: one index probe per claimed row
	LEFT JOIN LATERAL (
		SELECT * FROM _webhook wh
		WHERE wh.tenant_locator = u.tenant_locator
		  AND wh.locator = u.webhook_locator
		OFFSET 0) w ON true
	LEFT JOIN LATERAL (
		SELECT ev.payload, ev.type FROM _event ev
		WHERE ev.tenant_locator = u.tenant_locator
		  AND ev.locator = u.event_locator
		OFFSET 0) e ON true;
END
$$;

/*
 * _record writes the outcomes of a batch of attempts in one statement:
 * final ones leave the queue, retries get their new due time, every attempt
 * is logged, counters move, diverted events are stored, webhooks whose
 * failure handling says so are suspended, and successful resends remove
 * their diverted record.
 */
CREATE FUNCTION webhooks._record(
	t uuid[], w uuid[], e uuid[], attempt integer[],
	attempted_at timestamptz[], duration_ms double precision[],
	status integer[], error text[], outcome text[], "trigger" text[],
	response text[], retry_at timestamptz[], divert boolean[],
	suspend boolean[], resend boolean[])
	RETURNS void
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = webhooks, pg_catalog, pg_temp
	-- A batch touches a few hundred rows of large tables: each row is
	-- found by its key (the LATERAL ... OFFSET 0 lookups below cannot be
	-- reordered), whatever the statistics of a queue that is often empty
	-- say when the plan is made and kept.
	SET enable_hashjoin = off
	SET enable_mergejoin = off
	SET enable_seqscan = off
	AS $$
#variable_conflict use_column
BEGIN
	WITH o AS (
		SELECT o.t, o.w::ulid AS w, o.e::ulid AS e, o.attempt, o.attempted_at,
			   o.duration_ms, o.status, o.error, o.outcome, o."trigger",
			   o.response, o.retry_at, o.divert, o.suspend, o.resend
		FROM unnest(t, w, e, attempt, attempted_at, duration_ms, status,
					error, outcome, "trigger", response, retry_at, divert,
					suspend, resend)
			AS o(t, w, e, attempt, attempted_at, duration_ms, status, error,
				 outcome, "trigger", response, retry_at, divert, suspend,
				 resend)
	), q AS (
		-- the queue row of each outcome, found by its key
		SELECT o.*, x.ctid AS row
		FROM o, LATERAL (
			SELECT d.ctid FROM _delivery d
			WHERE d.tenant_locator = o.t AND d.webhook_locator = o.w
			  AND d.event_locator = o.e
			OFFSET 0) x
	), done AS (
		DELETE FROM _delivery d
		WHERE d.ctid = ANY (ARRAY(SELECT q.row FROM q WHERE q.retry_at IS NULL))
	), again AS (
		-- retries, and deliveries taken back unsent ("requeued")
		UPDATE _delivery d
		SET due_at = q.retry_at, leased_until = NULL,
			attempts = d.attempts - CASE WHEN q.outcome = 'requeued' THEN 1 ELSE 0 END
		FROM q
		WHERE q.retry_at IS NOT NULL AND d.ctid = q.row
	), diverted AS (
		INSERT INTO _diverted_event AS de
			(tenant_locator, webhook_locator, event_locator, request_locator,
			 failure_trigger, failure_message, failure_timestamp)
		SELECT o.t, o.w, o.e, ev.request_id,
			   -- the status code as text, or why there was none (D9)
			   CASE WHEN o.status IS NOT NULL THEN o.status::text
					ELSE coalesce(o."trigger", 'timeout') END,
			   coalesce(o.error, 'HTTP ' || o.status), o.attempted_at
		FROM o, LATERAL (
			SELECT e.request_id FROM _event e
			WHERE e.tenant_locator = o.t AND e.locator = o.e
			OFFSET 0) ev
		WHERE o.divert
		ON CONFLICT (tenant_locator, webhook_locator, event_locator) DO UPDATE
		SET failure_trigger = excluded.failure_trigger,
			failure_message = excluded.failure_message,
			failure_timestamp = excluded.failure_timestamp
	), resent AS (
		DELETE FROM _diverted_event de
		WHERE de.ctid = ANY (ARRAY(
			SELECT x.ctid FROM o, LATERAL (
				SELECT v.ctid FROM _diverted_event v
				WHERE v.tenant_locator = o.t AND v.webhook_locator = o.w
				  AND v.event_locator = o.e
				OFFSET 0) x
			WHERE o.resend AND o.outcome = 'delivered'))
	), suspended AS (
		UPDATE _webhook wh SET suspended = true, suspended_at = now()
		WHERE wh.ctid = ANY (ARRAY(
			SELECT x.ctid FROM (SELECT DISTINCT o.t, o.w FROM o WHERE o.suspend) s,
				LATERAL (
					SELECT k.ctid FROM _webhook k
					WHERE k.tenant_locator = s.t AND k.locator = s.w
					  AND NOT k.suspended
					OFFSET 0) x))
	), counted AS (
		INSERT INTO _webhook_stats AS s
			(tenant_locator, webhook_locator, delivered, failed, retried,
			 dropped, last_delivered_at, last_failed_at)
		SELECT o.t, o.w,
			   count(*) FILTER (WHERE o.outcome = 'delivered'),
			   count(*) FILTER (WHERE o.outcome IN ('failed', 'diverted')),
			   count(*) FILTER (WHERE o.outcome = 'retrying'),
			   count(*) FILTER (WHERE o.outcome = 'dropped'),
			   max(o.attempted_at) FILTER (WHERE o.outcome = 'delivered'),
			   max(o.attempted_at) FILTER (WHERE o.outcome <> 'delivered')
		FROM o
		WHERE o.outcome <> 'requeued'
		  AND EXISTS (SELECT FROM _webhook wh
					  WHERE wh.tenant_locator = o.t AND wh.locator = o.w)
		GROUP BY o.t, o.w
		ON CONFLICT (tenant_locator, webhook_locator) DO UPDATE
		SET delivered = s.delivered + excluded.delivered,
			failed = s.failed + excluded.failed,
			retried = s.retried + excluded.retried,
			dropped = s.dropped + excluded.dropped,
			last_delivered_at = greatest(s.last_delivered_at, excluded.last_delivered_at),
			last_failed_at = greatest(s.last_failed_at, excluded.last_failed_at)
	)
	INSERT INTO _attempt (tenant_locator, webhook_locator, event_locator,
						  attempt, attempted_at, duration_ms, status, error,
						  outcome, "trigger", response)
	SELECT o.t, o.w, o.e, o.attempt, o.attempted_at, o.duration_ms, o.status,
		   o.error, o.outcome, o."trigger", o.response
	FROM o
	WHERE o.outcome <> 'requeued';
END
$$;

REVOKE ALL ON FUNCTION webhooks._claim(integer, bigint, uuid[], timestamptz, uuid, uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION webhooks._record(uuid[], uuid[], uuid[], integer[],
	timestamptz[], double precision[], integer[], text[], text[], text[],
	text[], timestamptz[], boolean[], boolean[], boolean[]) FROM PUBLIC;

/*
 * _housekeeping drops what outlived its retention: attempts, and events
 * that no delivery or diverted record still needs.  The worker calls it
 * about once a minute; it deletes in bounded slices.
 */
CREATE FUNCTION webhooks._housekeeping(attempt_retention_s integer, event_retention_s integer)
	RETURNS void
	LANGUAGE sql VOLATILE PARALLEL UNSAFE
	SET search_path = webhooks, pg_catalog, pg_temp
	AS $$
	DELETE FROM _attempt
	WHERE ctid = ANY (ARRAY(
		SELECT ctid FROM _attempt
		WHERE attempted_at < now() - attempt_retention_s * interval '1 second'
		LIMIT 50000));
	DELETE FROM _event e
	WHERE ctid = ANY (ARRAY(
		SELECT ctid FROM _event ev
		WHERE ev.published_at < now() - event_retention_s * interval '1 second'
		  AND NOT EXISTS (SELECT FROM _delivery d
						  WHERE d.tenant_locator = ev.tenant_locator
							AND d.event_locator = ev.locator)
		  AND NOT EXISTS (SELECT FROM _diverted_event de
						  WHERE de.tenant_locator = ev.tenant_locator
							AND de.event_locator = ev.locator)
		LIMIT 50000));
	$$;
REVOKE ALL ON FUNCTION webhooks._housekeeping(integer, integer) FROM PUBLIC;

/* ---------------------------------------------------------------------
 * Publishing and the Events API.
 * --------------------------------------------------------------------- */

CREATE FUNCTION webhooks.publish_event(
	tenant_locator uuid, type text, data jsonb,
	user_locator uuid DEFAULT NULL, request_id webhooks.ulid DEFAULT NULL)
	RETURNS jsonb
	AS 'MODULE_PATHNAME', 'webhooks_publish_event'
	LANGUAGE C VOLATILE SECURITY DEFINER PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION webhooks.publish_event(uuid, text, jsonb, uuid, webhooks.ulid) IS
	'Publish an event: delivered after commit to every enabled webhook of the tenant subscribed to its type; returns the EventResponse';

CREATE FUNCTION webhooks.fetch_event(tenant_locator uuid, locator webhooks.ulid)
	RETURNS jsonb
	AS 'MODULE_PATHNAME', 'webhooks_fetch_event'
	LANGUAGE C STABLE SECURITY DEFINER PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION webhooks.fetch_event(uuid, webhooks.ulid) IS
	'fetchEvent: one event as an EventResponse';

CREATE FUNCTION webhooks.fetch_events_for_request(tenant_locator uuid, request_locator webhooks.ulid)
	RETURNS jsonb
	AS 'MODULE_PATHNAME', 'webhooks_fetch_events_for_request'
	LANGUAGE C STABLE SECURITY DEFINER PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION webhooks.fetch_events_for_request(uuid, webhooks.ulid) IS
	'fetchEventsForARequest: the events published with one request id, in publish order';

CREATE FUNCTION webhooks.fetch_events(
	tenant_locator uuid,
	start_timestamp timestamptz DEFAULT NULL,
	end_timestamp timestamptz DEFAULT NULL,
	type text DEFAULT NULL,
	page_size integer DEFAULT NULL,
	paging_token text DEFAULT NULL)
	RETURNS jsonb
	AS 'MODULE_PATHNAME', 'webhooks_fetch_events'
	LANGUAGE C STABLE SECURITY DEFINER PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION webhooks.fetch_events(uuid, timestamptz, timestamptz, text, integer, text) IS
	'fetchMultipleEvents: the event stream in publish order, a page at a time; returns an EventStreamResponse';

/* ---------------------------------------------------------------------
 * Monitoring.
 * --------------------------------------------------------------------- */

CREATE FUNCTION webhooks.fetch_webhook_attempts(
	tenant_locator uuid, webhook_locator webhooks.ulid,
	"offset" integer DEFAULT NULL, count integer DEFAULT NULL)
	RETURNS jsonb
	AS 'MODULE_PATHNAME', 'webhooks_fetch_webhook_attempts'
	LANGUAGE C STABLE SECURITY DEFINER PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION webhooks.fetch_webhook_attempts(uuid, webhooks.ulid, integer, integer) IS
	'The recent delivery attempts of one webhook, newest first';

CREATE FUNCTION webhooks._worker_state(
	OUT worker_pid integer, OUT delivered bigint, OUT failed bigint,
	OUT attempts bigint, OUT recent_per_second double precision)
	RETURNS record
	AS 'MODULE_PATHNAME', 'webhooks_worker_state'
	LANGUAGE C VOLATILE PARALLEL SAFE;

CREATE VIEW webhooks.delivery_stats AS
SELECT w.worker_pid,
	   (SELECT count(*) FROM webhooks._delivery) AS queue_depth,
	   (SELECT count(*) FROM webhooks._delivery WHERE leased_until IS NOT NULL) AS in_flight,
	   (SELECT now() - min(due_at) FROM webhooks._delivery
		WHERE due_at <= now() AND leased_until IS NULL) AS oldest_pending_age,
	   s.delivered, s.failed, s.retried, s.dropped,
	   w.delivered AS delivered_since_start,
	   w.failed AS failed_since_start,
	   w.attempts AS attempts_since_start,
	   w.recent_per_second
FROM webhooks._worker_state() w,
	 (SELECT coalesce(sum(delivered), 0) AS delivered,
			 coalesce(sum(failed), 0) AS failed,
			 coalesce(sum(retried), 0) AS retried,
			 coalesce(sum(dropped), 0) AS dropped
	  FROM webhooks._webhook_stats) s;
COMMENT ON VIEW webhooks.delivery_stats IS
	'How delivery is doing: queue depth, oldest due delivery, totals, recent rate';

CREATE VIEW webhooks.webhook_delivery_stats AS
SELECT wh.tenant_locator, wh.locator AS webhook_locator, wh.name,
	   wh.enabled, wh.suspended,
	   (SELECT count(*) FROM webhooks._delivery d
		WHERE d.tenant_locator = wh.tenant_locator
		  AND d.webhook_locator OPERATOR(webhooks.=) wh.locator) AS pending,
	   coalesce(s.delivered, 0) AS delivered,
	   coalesce(s.failed, 0) AS failed,
	   coalesce(s.retried, 0) AS retried,
	   coalesce(s.dropped, 0) AS dropped,
	   s.last_delivered_at, s.last_failed_at
FROM webhooks._webhook wh
LEFT JOIN webhooks._webhook_stats s
	ON s.tenant_locator = wh.tenant_locator
   AND s.webhook_locator OPERATOR(webhooks.=) wh.locator;
COMMENT ON VIEW webhooks.webhook_delivery_stats IS
	'Deliveries and failures per webhook';

REVOKE ALL ON FUNCTION
	webhooks.publish_event(uuid, text, jsonb, uuid, webhooks.ulid),
	webhooks.fetch_event(uuid, webhooks.ulid),
	webhooks.fetch_events_for_request(uuid, webhooks.ulid),
	webhooks.fetch_events(uuid, timestamptz, timestamptz, text, integer, text),
	webhooks.fetch_webhook_attempts(uuid, webhooks.ulid, integer, integer),
	webhooks._worker_state()
	FROM PUBLIC;
REVOKE ALL ON webhooks.delivery_stats, webhooks.webhook_delivery_stats FROM PUBLIC;

GRANT EXECUTE ON FUNCTION webhooks.publish_event(uuid, text, jsonb, uuid, webhooks.ulid)
	TO webhooks_publisher;
GRANT EXECUTE ON FUNCTION
	webhooks.fetch_event(uuid, webhooks.ulid),
	webhooks.fetch_events_for_request(uuid, webhooks.ulid),
	webhooks.fetch_events(uuid, timestamptz, timestamptz, text, integer, text),
	webhooks.fetch_webhook_attempts(uuid, webhooks.ulid, integer, integer)
	TO webhooks_reader;
-- the views' callers need the schema and the function the view calls
GRANT USAGE ON SCHEMA webhooks TO pg_monitor;
GRANT EXECUTE ON FUNCTION webhooks._worker_state() TO pg_monitor, webhooks_reader;
GRANT SELECT ON webhooks.delivery_stats, webhooks.webhook_delivery_stats
	TO pg_monitor, webhooks_reader;

/* ---------------------------------------------------------------------
 * The Diverted Events API.
 * --------------------------------------------------------------------- */

CREATE FUNCTION webhooks.fetch_diverted_event(
	tenant_locator uuid, webhook_locator webhooks.ulid, event_locator webhooks.ulid)
	RETURNS jsonb
	AS 'MODULE_PATHNAME', 'webhooks_fetch_diverted_event'
	LANGUAGE C STABLE SECURITY DEFINER PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION webhooks.fetch_diverted_event(uuid, webhooks.ulid, webhooks.ulid) IS
	'fetchDivertedEvent: one diverted event of a webhook as a DivertedEventResponse';

CREATE FUNCTION webhooks.fetch_diverted_events(
	tenant_locator uuid, webhook_locator webhooks.ulid,
	"offset" integer DEFAULT NULL, count integer DEFAULT NULL)
	RETURNS jsonb
	AS 'MODULE_PATHNAME', 'webhooks_fetch_diverted_events'
	LANGUAGE C STABLE SECURITY DEFINER PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION webhooks.fetch_diverted_events(uuid, webhooks.ulid, integer, integer) IS
	'fetchMultipleDivertedEvents: a page of a webhook''s diverted events in failureTimestamp order (a bare array)';

CREATE FUNCTION webhooks.resend_diverted_event(
	tenant_locator uuid, webhook_locator webhooks.ulid, event_locator webhooks.ulid)
	RETURNS jsonb
	AS 'MODULE_PATHNAME', 'webhooks_resend_diverted_event'
	LANGUAGE C VOLATILE SECURITY DEFINER PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION webhooks.resend_diverted_event(uuid, webhooks.ulid, webhooks.ulid) IS
	'resendDivertedEvent: queue one new delivery of a diverted event; the record goes when it succeeds';

CREATE FUNCTION webhooks.delete_diverted_event(
	tenant_locator uuid, webhook_locator webhooks.ulid, event_locator webhooks.ulid)
	RETURNS jsonb
	AS 'MODULE_PATHNAME', 'webhooks_delete_diverted_event'
	LANGUAGE C VOLATILE SECURITY DEFINER PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION webhooks.delete_diverted_event(uuid, webhooks.ulid, webhooks.ulid) IS
	'deleteDivertedEvent: forget a diverted event';

CREATE FUNCTION webhooks.resend_diverted_events(
	tenant_locator uuid, webhook_locator webhooks.ulid, since timestamptz DEFAULT NULL)
	RETURNS bigint
	AS 'MODULE_PATHNAME', 'webhooks_resend_diverted_events'
	LANGUAGE C VOLATILE SECURITY DEFINER PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION webhooks.resend_diverted_events(uuid, webhooks.ulid, timestamptz) IS
	'Queue a resend of every event of a webhook diverted since a time (all when NULL); returns how many';

REVOKE ALL ON FUNCTION
	webhooks.fetch_diverted_event(uuid, webhooks.ulid, webhooks.ulid),
	webhooks.fetch_diverted_events(uuid, webhooks.ulid, integer, integer),
	webhooks.resend_diverted_event(uuid, webhooks.ulid, webhooks.ulid),
	webhooks.delete_diverted_event(uuid, webhooks.ulid, webhooks.ulid),
	webhooks.resend_diverted_events(uuid, webhooks.ulid, timestamptz)
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
	webhooks.fetch_diverted_event(uuid, webhooks.ulid, webhooks.ulid),
	webhooks.fetch_diverted_events(uuid, webhooks.ulid, integer, integer)
	TO webhooks_reader;
GRANT EXECUTE ON FUNCTION
	webhooks.resend_diverted_event(uuid, webhooks.ulid, webhooks.ulid),
	webhooks.delete_diverted_event(uuid, webhooks.ulid, webhooks.ulid),
	webhooks.resend_diverted_events(uuid, webhooks.ulid, timestamptz)
	TO webhooks_writer;
