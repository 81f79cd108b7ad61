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
	UNIQUE (tenant_locator, name),
	CHECK ((retry_type IS NULL) = (retry_interval IS NULL)
		   AND (retry_type IS NULL) = (retry_attempts IS NULL)),
	CHECK (suspended OR suspended_at IS NULL)
);
COMMENT ON TABLE webhooks._webhook IS
	'Webhooks of every tenant; use the API functions, not this table';

-- the eventTypes list filter and the fan-out of published events
CREATE INDEX _webhook_event_types_idx ON webhooks._webhook USING gin (event_types);

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
