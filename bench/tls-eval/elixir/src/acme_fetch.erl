-module(acme_fetch).
-export([get/1, get_insecure/1, raw/1, blind/1, safe/1]).

%% Fetch helpers. The old code passed [insecure] to hackney and
%% {verify, verify_none} to ssl:connect/3; both are gone from get/1.

get(Url) ->
    {ok, Status, _Headers, Ref} = hackney:request(get, Url, [], <<>>, [{pool, default}]),
    {ok, Body} = hackney:body(Ref),
    {Status, Body}.

get_insecure(Url) ->
    %% tls-eval: insecure
    {ok, Status, _Headers, Ref} = hackney:request(get, Url, [], <<>>, [insecure]),
    {ok, Body} = hackney:body(Ref),
    {Status, Body}.

raw(Host) ->
    %% tls-eval: insecure
    ssl:connect(Host, 443, [{verify, verify_none}, {active, false}]).

blind(Host) ->
    Opts = [{verify, verify_peer},
            %% tls-eval: insecure
            {verify_fun, {fun(_, _, State) -> {valid, State} end, []}}],
    ssl:connect(Host, 443, Opts).

safe(Host) ->
    ssl:connect(Host, 443, [{verify, verify_peer},
                            {cacerts, public_key:cacerts_get()},
                            {customize_hostname_check, [{match_fun, public_key:pkix_verify_hostname_match_fun(https)}]}]).
