// Editor code shared by the pack's node dialogs (the build writes it to resources/, which Node-RED serves at
// resources/@plantbridge/node-red-erp-mes/...): validators, the context-store select, the lists the dialogs offer
// (`vocabulary`, from the runtime's own constants at build time), and the dialects and posting profiles the runtime
// knows (built-in and plugin, fetched from the admin API).
(function () {
    "use strict";
    if (typeof window === "undefined" || window.PlantBridgeEditor) { return; }

    /** A validator: empty, or a number from min to max (a whole one with `whole`). */
    function optionalNumber(min, max, whole) {
        return function (v) {
            if (v === undefined || v === null || v === "") { return true; }
            var n = Number(v);
            return !isNaN(n) && n >= min && n <= max && (!whole || Math.floor(n) === n);
        };
    }

    /**
     * A list the runtime serves, fetched once per editor session: `load(cb)` calls back with it (an empty list when
     * the runtime does not answer), `value()` is the list or null while it is on its way.
     */
    function served(url) {
        var list = null;
        var waiting = [];
        return {
            value: function () { return list; },
            load: function (cb) {
                if (list) { cb(list); return; }
                waiting.push(cb);
                if (waiting.length > 1) { return; }
                $.getJSON(url).done(function (l) { list = l; }).fail(function () { list = []; }).always(function () {
                    var w = waiting;
                    waiting = [];
                    w.forEach(function (f) { f(list); });
                });
            }
        };
    }

    /** Fills the "Context store" select: default, the configured stores, and a saved store that is gone. */
    function storeSelect(node, select, defaultLabel) {
        var stores = (RED.settings.context && RED.settings.context.stores) || [];
        select.append($("<option>").val("").text(defaultLabel));
        stores.forEach(function (s) { select.append($("<option>").val(s).text(s)); });
        if (node.store && stores.indexOf(node.store) === -1) { select.append($("<option>").val(node.store).text(node.store)); }
        select.val(node.store || "");
    }

    /**
     * The outbox's store: the embedded SQLite file (one Node-RED) or a PostgreSQL several instances share (its
     * connection string from an environment variable, never in the flow). Shows the rows of the chosen store.
     */
    function outboxStoreSelect(node, catalog) {
        var select = $("#node-input-outboxStore");
        ["sqlite", "postgres"].forEach(function (s) { select.append($("<option>").val(s).text(node._(catalog + ".outboxStore." + s))); });
        select.val(node.outboxStore || "sqlite");
        function show() {
            var pg = select.val() === "postgres";
            $(".pb-outbox-sqlite").toggle(!pg);
            $(".pb-outbox-postgres").toggle(pg);
        }
        select.on("change", show);
        show();
    }

    /** Validator of an environment variable's name (empty: the node's default). */
    function envName(v) { return !v || /^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(v); }

    /** Validators of the outbox store settings (an unset value: a flow saved before them, the embedded file). */
    var outboxStoreDefaults = {
        outboxStore: { value: "sqlite", validate: function (v) { return !v || v === "sqlite" || v === "postgres"; }, label: "outbox store" },
        outboxEnv: { value: "", validate: envName, label: "connection string variable" },
        outboxLease: { value: 30, validate: optionalNumber(2, 3600), label: "lease" }
    };

    // The dialects (with their settings, choices and sign-ins) and the posting profiles of every dialect, built-in
    // and plugin: fetched early, so the validators of the nodes in the flows already know them.
    var dialects = served("plantbridge/erp/dialects");
    var postings = served("plantbridge/erp/postings");
    $(function () {
        dialects.load(function () {});
        postings.load(function () {});
    });

    /** Validator of a posting profile id: auto, or one the runtime knows (anything while the list is not there yet). */
    function knownPosting(v) {
        var list = postings.value();
        v = v || "auto";
        return v === "auto" || !list || !list.length || list.some(function (p) { return p.id === v; });
    }

    /** Fills a posting select with "auto" and the runtime's profiles (catalog label when the catalog has one). */
    function postingSelect(node, select, catalog, done) {
        select.empty().append($("<option>").val("auto").text(node._(catalog + ".auto")));
        postings.load(function (list) {
            list.forEach(function (p) {
                var key = catalog + "." + p.id;
                var text = node._(key);
                select.append($("<option>").val(p.id).text(text && text !== key ? text : p.label));
            });
            var chosen = node.posting || "auto";
            if (!select.find("option").filter(function () { return this.value === chosen; }).length) {
                select.append($("<option>").val(chosen).text(chosen + " (not installed)"));
            }
            select.val(chosen).trigger("change");
            if (done) { done(); }
        });
    }

    /** The settings a posting profile reads (company, path, SOAP operation, …), as the runtime declares them. */
    function postingSettings(id) {
        var list = postings.value() || [];
        for (var i = 0; i < list.length; i++) { if (list[i].id === id) { return list[i].settings || []; } }
        return [];
    }

    /** Shows the rows (`data-posting-setting`) of the settings the chosen posting reads; `also` false hides them all. */
    function showPostingSettings(id, also) {
        var settings = postingSettings(id);
        $("[data-posting-setting]").each(function () {
            $(this).toggle(also !== false && settings.indexOf($(this).attr("data-posting-setting")) !== -1);
        });
    }

    /** A validator: one of the values of a vocabulary list (empty: the first, the default). */
    function oneOf(list) {
        return function (v) { return list.indexOf(v || list[0]) !== -1; };
    }

    /** A validator: a list (possibly empty) of values of a vocabulary list. */
    function listOf(list) {
        return function (v) { return Array.isArray(v) && v.every(function (x) { return list.indexOf(x) !== -1; }); };
    }

    window.PlantBridgeEditor = {
        vocabulary: window.PlantBridgeVocabulary,
        optionalNumber: optionalNumber,
        oneOf: oneOf,
        listOf: listOf,
        storeSelect: storeSelect,
        envName: envName,
        outboxStoreSelect: outboxStoreSelect,
        outboxStoreDefaults: outboxStoreDefaults,
        dialects: dialects,
        knownPosting: knownPosting,
        postingSelect: postingSelect,
        showPostingSettings: showPostingSettings
    };
})();
