# 022_versions.pl: what src/compat.h gives each PostgreSQL version, seen
# from SQL: the worker waits under a wait event of its own on 17 and later
# ("WebhooksDelivery"; 15 has only "Extension"), and on 18 and later the
# loaded module names itself and its version (pg_get_loaded_modules).
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WebhooksTest;

my ($node) = delivery_setup();
my $num = $node->psql('SHOW server_version_num');
my $want = $num >= 170000 ? 'WebhooksDelivery' : 'Extension';
my $got = '';
ok(wait_until(sub {
			$got = $node->psql("SELECT wait_event_type || ' ' || wait_event FROM pg_stat_activity"
				  . " WHERE backend_type = 'webhooks delivery worker'");
			$got eq "Extension $want";
		}, 10),
	"the idle worker waits on wait event $want (server $num)") or diag("got '$got'");

SKIP:
{
	skip 'pg_get_loaded_modules() came in 18', 1 if $num < 180000;
	my $version = $node->psql("SELECT extversion FROM pg_extension WHERE extname = 'webhooks'");
	is($node->psql("SELECT module_name || ' ' || version FROM pg_get_loaded_modules()"
		  . " WHERE file_name = 'webhooks.so'"),
		"webhooks $version", 'the module names itself and its version');
}

done_testing();
