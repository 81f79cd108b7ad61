# PostgREST12.pm: PostgREST 12's side of a request, emulated for the tests.
#
# PostgREST is in neither Debian nor npm, so it cannot run here.  This
# module plays its part as faithfully as the tests need: an HTTP server on
# loopback that, for each request to /rpc/<function>, authenticates the JWT,
# resolves the function in its schema cache, and runs in the database the
# statements PostgREST 12 runs, with the same parameters, then shapes the
# response and maps errors to statuses the way PostgREST does.  What was
# read, in the PostgREST/postgrest repository (v12 series):
#
#   src/PostgREST/SchemaCache.hs (funcsSqlQuery)
#       what is known of each function, above
#   src/PostgREST/Query.hs (setPgLocals) and Query/PreQuery.hs
#       one statement of set_config(..., true) calls before the main query:
#       search_path, role, request.jwt.claims, request.method,
#       request.path, request.headers and request.cookies (JSON objects,
#       header names lower case), then the function's own SET settings
#   docs references/transactions.rst (v12)
#       READ ONLY for GET and HEAD, and for POST to a STABLE or IMMUTABLE
#       function; READ WRITE for POST to a VOLATILE one
#   src/PostgREST/Query/QueryBuilder.hs (callPlanToQuery) and
#   Query/SqlFragment.hs (fromJsonBodyF, singleParameter, asJsonSingleF,
#   limitOffsetF, responseHeadersF, responseStatusF)
#       arguments by name from json_to_record over the JSON payload (only
#       the arguments given), or the body whole as $1::jsonb for a function
#       with a single unnamed json/jsonb parameter; the result of a scalar
#       function as coalesce(json_agg(_postgrest_t.pgrst_scalar)->0,
#       'null'); LIMIT/OFFSET from the limit and offset keys applied to
#       the function's one-row result; response.status and
#       response.headers read back in the same statement
#   src/PostgREST/Query/Statements.hs (prepareCall)
#       the WITH pgrst_source AS (...) SELECT ... statement around it
#   src/PostgREST/ApiRequest/QueryParams.hs (parse)
#       '+' is a space; select, columns and on_conflict are reserved, and
#       so are keys ending in order, limit, offset, and, or; a key with a
#       '.' or a value that starts with an operator (eq., in., is., not.,
#       ...) is a filter, not an argument; every other key is an argument
#   docs references/api/functions.rst (v12)
#       GET arguments are query parameters; a repeated key is an array only
#       for a VARIADIC parameter (otherwise the last value counts)
#   src/PostgREST/Error.hs (mapSQLtoHTTP, PgError headers, codes) and
#   src/PostgREST/App.hs (PgError's "authenticated": the role is not
#   db-anon-role)
#       the status of each SQLSTATE, 42501 as 401 (with WWW-Authenticate:
#       Bearer) for the anonymous role and 403 for another, PTxyz as xyz;
#       PGRST101 (405) for a method /rpc does not take, PGRST202 (404) for
#       no matching function, PGRST301 (401) for a bad JWT
#
# Not emulated (not used by the extension's API): resource embedding,
# tables and views, Prefer handling, bulk calls, media types other than
# JSON, OpenAPI, the connection pool.  Each request runs on the one
# connection of this process, which logs in as the authenticator.
package PostgREST12;

use strict;
use warnings;

use DBI;
use DBD::Pg qw(:pg_types);
use Digest::SHA qw(hmac_sha256);
use HTTP::Daemon;
use HTTP::Response;
use JSON::PP;
use MIME::Base64 qw(decode_base64);
use URI::Escape qw(uri_unescape);

my $JSON = JSON::PP->new->utf8->canonical;

# new(dsn => ..., schema => ..., anon_role => ..., jwt_secret => ...,
#     log => file): connects as the authenticator and loads the schema cache
sub new
{
	my ($class, %opt) = @_;
	my $self = bless {%opt}, $class;
	$self->{dbh} = DBI->connect($opt{dsn}, '', '',
		{ AutoCommit => 1, RaiseError => 0, PrintError => 0, pg_enable_utf8 => 0 })
	  or die "cannot connect: $DBI::errstr";
	$self->load_schema_cache;
	return $self;
}

# The schema cache (SchemaCache.hs, funcsSqlQuery): every function of the
# exposed schema with its parameters (name, type as ::regtype::text shows
# it on the authenticator's connection, so webhooks.ulid qualified, whether
# it is required, whether it is VARIADIC), its volatility and its SET
# settings (all scalar-returning, as everything in webhooks_rest is).
sub load_schema_cache
{
	my ($self) = @_;
	my $rows = $self->{dbh}->selectall_arrayref(<<'SQL', { Slice => {} }, $self->{schema});
SELECT p.proname AS name, p.provolatile AS volatility, p.pronargs AS nargs,
       p.pronargdefaults AS ndefaults, p.provariadic <> 0 AS variadic,
       coalesce(array_to_json(p.proargnames), '[]') AS argnames,
       (SELECT json_agg(t::regtype::text ORDER BY n)
        FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a(t, n)) AS argtypes,
       coalesce(array_to_json(p.proconfig), '[]') AS config
FROM pg_proc p
WHERE p.pronamespace = $1::regnamespace AND p.prokind = 'f'
SQL
	die "schema cache: " . $self->{dbh}->errstr unless $rows;
	my %cache;
	for my $r (@$rows)
	{
		my $names = $JSON->decode($r->{argnames});
		my $types = $JSON->decode($r->{argtypes} // '[]');
		my @params;
		for my $i (0 .. $r->{nargs} - 1)
		{
			push @params, {
				name => $names->[$i] // '',
				type => $types->[$i],
				required => $i < $r->{nargs} - $r->{ndefaults},
				variadic => $r->{variadic} && $i == $r->{nargs} - 1,
			};
		}
		push @{ $cache{ $r->{name} } }, {
			name => $r->{name},
			params => \@params,
			read_only => $r->{volatility} ne 'v',
			config => [ map { [ split /=/, $_, 2 ] } @{ $JSON->decode($r->{config}) } ],
		};
	}
	$self->{functions} = \%cache;
}

# ---------------------------------------------------------------- statuses

# status_of(sqlstate, message, authed): the HTTP status PostgREST answers
# for a database error (Error.hs, mapSQLtoHTTP)
sub status_of
{
	my ($c, $m, $authed) = @_;
	return 503 if $c =~ /^08/;
	return 500 if $c =~ /^09/;
	return 403 if $c =~ /^0[LP]/;
	return 409 if $c eq '23503' || $c eq '23505';
	return 405 if $c eq '25006';
	return ($m =~ /requires a WHERE clause$/ ? 400 : 500) if $c eq '21000';
	return ($m =~ /^role .* does not exist$/ ? 401 : 400) if $c eq '22023';
	return 500 if $c =~ /^(25|2D|38|39|3B|40)/;
	return 403 if $c =~ /^28/;
	return 500 if $c eq '53400';
	return 503 if $c =~ /^53/;
	return 500 if $c =~ /^5[45]/;
	return 503 if $c eq '57P01';
	return 500 if $c =~ /^(57|58|F0|HV)/;
	return 400 if $c eq 'P0001';
	return 500 if $c =~ /^(P0|XX)/;
	return 404 if $c eq '42883' || $c eq '42P01';
	return 500 if $c eq '42P17';
	return ($authed ? 403 : 401) if $c eq '42501';
	return (($1 >= 100 && $1 <= 599) ? $1 + 0 : 500) if $c =~ /^PT(\d{3})$/;
	return 400;
}

# error(status, code, message, details, hint, headers): a PostgREST error
# response (Error.hs: errorResponseFor); a 401 always says how to
# authenticate
sub error
{
	my ($status, $code, $message, $details, $hint, @headers) = @_;
	my $body = $JSON->encode({ code => $code, message => $message,
		details => $details, hint => $hint });
	push @headers, 'WWW-Authenticate' => 'Bearer'
	  if $status == 401 && !grep { $_ eq 'WWW-Authenticate' } @headers;
	return HTTP::Response->new($status, undef,
		[ 'Content-Type' => 'application/json; charset=utf-8',
		  'Proxy-Status' => "PostgREST; error=$code", @headers ], $body);
}

# ------------------------------------------------------------------- JWT

sub b64url_decode
{
	my ($s) = @_;
	$s =~ tr{-_}{+/};
	$s .= '=' x ((4 - length($s) % 4) % 4);
	return decode_base64($s);
}

# authenticate(request): (role, claims JSON text) or an error response.
# HS256 as PostgREST checks it with jwt-secret; no token: the anonymous
# role with empty claims; a token without the role claim: the anonymous
# role with its claims.
sub authenticate
{
	my ($self, $req) = @_;
	my $auth = $req->header('Authorization');
	return ($self->{anon_role}, '{}') unless defined $auth;
	my $bad = sub {
		my ($why) = @_;
		return (undef, undef, error(401, 'PGRST301', $why, undef, undef,
			'WWW-Authenticate' => qq{Bearer error="invalid_token", error_description="$why"}));
	};
	return $bad->('Empty JWT is sent in Authorization header')
	  unless $auth =~ /^Bearer\s+(\S+)$/i;
	my @parts = split /\./, $1, -1;
	return $bad->('Expected 3 parts in JWT; got ' . scalar(@parts)) unless @parts == 3;
	my $header = eval { $JSON->decode(b64url_decode($parts[0])) };
	return $bad->('JWT cryptographic operation failed')
	  unless ref $header eq 'HASH' && ($header->{alg} // '') eq 'HS256';
	my $expect = hmac_sha256("$parts[0].$parts[1]", $self->{jwt_secret});
	return $bad->('JWT cryptographic operation failed')
	  unless b64url_decode($parts[2]) eq $expect;
	my $claims = eval { JSON::PP->new->utf8->decode(b64url_decode($parts[1])) };
	return $bad->('Parsing claims failed') unless ref $claims eq 'HASH';
	return $bad->('JWT expired') if defined $claims->{exp} && $claims->{exp} < time;
	my $role = $claims->{role};
	$role = $self->{anon_role} unless defined $role && !ref $role && $role ne '';
	return ($role, $JSON->encode($claims));
}

# ---------------------------------------------------------- query string

# parse_query(query string): [[key, value], ...] as
# HTTP.parseQueryReplacePlus True gives them (a key without '=' has no
# value and is dropped)
sub parse_query
{
	my ($qs) = @_;
	my @pairs;
	for my $p (split /&/, $qs // '')
	{
		next if $p eq '';
		my ($k, $v) = split /=/, $p, 2;
		next unless defined $v;
		tr/+/ / for $k, $v;
		push @pairs, [ uri_unescape($k), uri_unescape($v) ];
	}
	return @pairs;
}

my $OPERATORS = qr/^(?:eq|gte|gt|lte|lt|neq|like|ilike|cs|cd|ov|sl|sr|nxr|nxl|adj|match|imatch|fts|plfts|phfts|wfts)$/;

# classify(pairs): the arguments, the filters and the range of a request's
# query (QueryParams.hs, parse)
sub classify
{
	my (@pairs) = @_;
	my (@args, @filters, $limit, $offset);
	for my $p (@pairs)
	{
		my ($k, $v) = @$p;
		my $last = (split /\./, $k)[-1] // '';
		next if $k eq 'select' || $k eq 'columns' || $k eq 'on_conflict';
		if ($last eq 'limit') { $limit = $v if $v =~ /^\d+$/; next; }
		if ($last eq 'offset') { $offset = $v if $v =~ /^\d+$/; next; }
		next if $last eq 'order' || $last eq 'and' || $last eq 'or';
		my @segments = split /\./, $v, -1;
		my $first = $segments[0] // '';
		my $is_filter = $k =~ /\./
		  || $first eq 'is' || $first eq 'in'
		  || ($first eq 'not' && @segments > 1)
		  || $first =~ $OPERATORS
		  || $v =~ /^(?:fts|plfts|phfts|wfts)\(/;
		push @{ $is_filter ? \@filters : \@args }, [ $k, $v ];
	}
	return (\@args, \@filters, $limit, $offset);
}

# -------------------------------------------------------------- requests

sub quote_ident
{
	my ($s) = @_;
	$s =~ s/\0.*//s;
	$s =~ s/"/""/g;
	return qq{"$s"};
}

# resolve(name, keys, one_pos_ok): the function called with these argument
# names, or undef (PGRST202).  A function with a single unnamed json or
# jsonb parameter takes a POSTed JSON body whole.
sub resolve
{
	my ($self, $name, $keys, $one_pos_ok) = @_;
	for my $f (@{ $self->{functions}{$name} // [] })
	{
		my @p = @{ $f->{params} };
		if ($one_pos_ok && @p == 1 && $p[0]{name} eq '' && $p[0]{type} =~ /^jsonb?$/)
		{
			return ($f, 1);
		}
		my %by = map { $_->{name} => $_ } @p;
		next if grep { !exists $by{$_} } @$keys;
		my %given = map { $_ => 1 } @$keys;
		next if grep { $_->{required} && !$given{ $_->{name} } } @p;
		return ($f, 0);
	}
	return;
}

# handle(request): the response PostgREST would give
sub handle
{
	my ($self, $req) = @_;
	my $uri = $req->uri;
	my $path = $uri->path;
	my $method = $req->method;

	my ($role, $claims, $denied) = $self->authenticate($req);
	return $denied if $denied;
	my $authed = $role ne $self->{anon_role};

	return error(404, 'PGRST125', 'Invalid path specified in request URL')
	  unless $path =~ m{^/rpc/([^/]+)$};
	my $name = uri_unescape($1);
	return error(405, 'PGRST101', "Cannot use the $method method on RPC")
	  unless $method eq 'GET' || $method eq 'HEAD' || $method eq 'POST';

	my ($args, $filters, $limit, $offset) = classify(parse_query($uri->query));
	my ($payload, @keys);
	my $body = $req->content;
	my $ctype = lc($req->header('Content-Type') // 'application/json');
	my $json_body = $method eq 'POST' && $ctype =~ m{^application/json};
	if ($method eq 'POST' && $ctype =~ m{^application/x-www-form-urlencoded})
	{
		($args) = classify(parse_query($body));
	}
	if ($json_body)
	{
		$body = '{}' if $body eq '';
		my $doc = eval { JSON::PP->new->utf8->decode($body) };
		return error(400, 'PGRST102', 'Empty or invalid json') unless defined $doc || $body =~ /^\s*null\s*$/;
		@keys = ref $doc eq 'HASH' ? sort keys %$doc : ();
		$payload = $body;
	}
	else
	{
		my %seen;
		@keys = grep { !$seen{$_}++ } map { $_->[0] } @$args;
	}

	my ($f, $one_pos) = $self->resolve($name, \@keys, $json_body);
	unless ($f)
	{
		my $list = join(', ', @keys);
		return error(404, 'PGRST202',
			"Could not find the function $self->{schema}.$name"
			  . (@keys ? "($list)" : ' without parameters') . ' in the schema cache',
			"Searched for the function $self->{schema}.$name"
			  . (@keys ? ' with parameter' . (@keys > 1 ? 's ' : ' ') . $list : ' without parameters')
			  . ($json_body ? ' or with a single unnamed json/jsonb parameter' : '')
			  . ', but no matches were found in the schema cache.');
	}
	unless ($json_body)
	{
		# GET (or form) arguments become a JSON object of strings; a
		# repeated key is an array for a VARIADIC parameter, else the last
		my %var = map { $_->{name} => $_->{variadic} } @{ $f->{params} };
		my %obj;
		for my $a (@$args)
		{
			if ($var{ $a->[0] }) { push @{ $obj{ $a->[0] } }, $a->[1]; }
			else { $obj{ $a->[0] } = $a->[1]; }
		}
		$payload = $JSON->encode(\%obj);
	}

	my $read_only = $method ne 'POST' || $f->{read_only};
	my @headers = map { lc($_) => scalar $req->header($_) }
	  grep { lc($_) ne 'cookie' } $req->headers->header_field_names;
	my %headers = @headers;
	return $self->run($f, $one_pos, $payload, \@keys, $filters, $limit, $offset, {
		read_only => $read_only,
		role => $role,
		claims => $claims,
		authed => $authed,
		method => $method,
		path => $path,
		headers => $JSON->encode(\%headers),
	});
}

# run(...): the transaction of one request
sub run
{
	my ($self, $f, $one_pos, $payload, $keys, $filters, $limit, $offset, $r) = @_;
	my $dbh = $self->{dbh};
	my $mode = $r->{read_only} ? 'READ ONLY' : 'READ WRITE';
	$self->log("$r->{method} $r->{path} $mode role=$r->{role}");

	my $fail = sub {
		my $state = $dbh->state;
		my $err = $dbh->errstr // '';
		$dbh->do('ROLLBACK');
		my ($msg) = $err =~ /^(?:ERROR|FATAL):\s+(.*)$/m;
		my ($detail) = $err =~ /^DETAIL:\s+(.*)$/m;
		my ($hint) = $err =~ /^HINT:\s+(.*)$/m;
		$msg //= $err;
		return error(status_of($state, $msg, $r->{authed}), $state, $msg, $detail, $hint);
	};

	$dbh->do("BEGIN ISOLATION LEVEL READ COMMITTED $mode") or return $fail->();

	# setPgLocals: one statement of set_config calls, then the function's
	# own settings
	my @locals = (
		[ 'search_path', quote_ident($self->{schema}) ],
		[ 'role', $r->{role} ],
		[ 'request.jwt.claims', $r->{claims} ],
		[ 'request.method', $r->{method} ],
		[ 'request.path', $r->{path} ],
		[ 'request.headers', $r->{headers} ],
		[ 'request.cookies', '{}' ],
		@{ $f->{config} });
	my $n = 0;
	my $sql = 'select ' . join(', ', map { $n++; "set_config('$_->[0]', \$$n, true)" } @locals);
	$dbh->do($sql, undef, map { $_->[1] } @locals) or return $fail->();

	# callPlanToQuery: the call, inside prepareCall's statement
	my $qi = quote_ident($self->{schema}) . '.' . quote_ident($f->{name});
	my @bind;
	my $call;
	if ($one_pos)
	{
		$call = "FROM (SELECT $qi(\$1::$f->{params}[0]{type}) pgrst_scalar) pgrst_call";
		push @bind, [ $payload, undef ];
	}
	elsif (!@$keys)
	{
		$call = "FROM (SELECT $qi() pgrst_scalar) pgrst_call";
	}
	else
	{
		my %given = map { $_ => 1 } @$keys;
		my @p = grep { $given{ $_->{name} } } @{ $f->{params} };
		$call = 'FROM (SELECT $1 AS json_data) pgrst_payload, '
		  . 'LATERAL (SELECT ' . join(', ', map { quote_ident($_->{name}) } @p)
		  . ' FROM json_to_record(pgrst_payload.json_data) AS _('
		  . join(', ', map { quote_ident($_->{name}) . " $_->{type}" } @p)
		  . ') LIMIT 1) pgrst_body , LATERAL (SELECT ' . "$qi("
		  . join(', ', map { ($_->{variadic} ? 'VARIADIC ' : '') . quote_ident($_->{name})
				  . ' := pgrst_body.' . quote_ident($_->{name}) } @p)
		  . ') pgrst_scalar) pgrst_call';
		push @bind, [ $payload, { pg_type => PG_JSON } ];
	}
	my $read = 'SELECT "pgrst_source".* FROM "pgrst_source"';
	if (@$filters)
	{
		$read .= ' WHERE ' . join(' AND ', map {
			push @bind, [ (split /\./, $_->[1], 2)[1] // '', undef ];
			'"pgrst_source".' . quote_ident($_->[0]) . ' = $' . scalar(@bind) } @$filters);
	}
	if (defined $limit || defined $offset)
	{
		push @bind, [ $limit // 'ALL', undef ] if defined $limit;
		$read .= ' LIMIT ' . (defined $limit ? '$' . scalar(@bind) : 'ALL');
		push @bind, [ $offset // 0, undef ];
		$read .= ' OFFSET $' . scalar(@bind);
	}
	my $main = "WITH pgrst_source AS (SELECT pgrst_call.pgrst_scalar $call) "
	  . 'SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, '
	  . "coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body, "
	  . "nullif(current_setting('response.headers', true), '') AS response_headers, "
	  . "nullif(current_setting('response.status', true), '') AS response_status "
	  . "FROM ($read) _postgrest_t";
	my $sth = $dbh->prepare($main) or return $fail->();
	for my $i (0 .. $#bind)
	{
		$sth->bind_param($i + 1, $bind[$i][0], $bind[$i][1] // ());
	}
	$sth->execute or return $fail->();
	my $row = $sth->fetchrow_hashref;
	$sth->finish;
	$dbh->do('COMMIT') or return $fail->();

	my $status = 200;
	if (defined $row->{response_status})
	{
		return error(500, 'PGRST112', 'response.status guc must be a valid status code')
		  unless $row->{response_status} =~ /^\d{3}$/;
		$status = $row->{response_status} + 0;
	}
	my @extra;
	if (defined $row->{response_headers})
	{
		my $h = eval { $JSON->decode($row->{response_headers}) };
		return error(500, 'PGRST111', 'response.headers guc must be a JSON array composed of objects with a single key and a string value')
		  unless ref $h eq 'ARRAY' && !grep { ref $_ ne 'HASH' || keys %$_ != 1 } @$h;
		push @extra, %$_ for @$h;
	}
	# Warp sends no body with 204 and 304
	my $content = ($status == 204 || $status == 304 || $r->{method} eq 'HEAD') ? '' : $row->{body};
	return HTTP::Response->new($status, undef,
		[ 'Content-Type' => 'application/json; charset=utf-8',
		  'Content-Range' => '0-' . ($row->{page_total} - 1) . '/*', @extra ],
		$content);
}

sub log
{
	my ($self, $line) = @_;
	return unless $self->{log};
	open my $fh, '>>', $self->{log} or return;
	print $fh "$line\n";
	close $fh;
}

# serve(daemon): answers requests one at a time, closing each connection
# after its response (nginx reconnects), until killed
sub serve
{
	my ($self, $daemon) = @_;
	while (my $c = $daemon->accept)
	{
		if (my $req = $c->get_request)
		{
			$c->force_last_request;
			my $resp = eval { $self->handle($req) }
			  // error(500, 'EMULATOR', "emulator failure: $@");
			$resp->header(Connection => 'close');
			$c->send_response($resp);
		}
		$c->close;
	}
}

1;
