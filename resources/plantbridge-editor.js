// Editor code shared by the pack's node dialogs (Node-RED serves it at resources/@plantbridge/node-red-erp-mes/...):
// validators, the context-store select and the posting profiles the runtime knows (built-in and plugin dialects').
/* global RED, $ */
(function () {
    "use strict";
    if (typeof window === "undefined" || window.PlantBridgeEditor) { return; }

    /** A validator: empty, or a number from min to max. */
    function optionalNumber(min, max) {
        return function (v) {
            if (v === undefined || v === null || v === "") { return true; }
            var n = Number(v);
            return !isNaN(n) && n >= min && n <= max;
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

    // The posting profiles of every dialect, from the runtime (GET plantbridge/erp/postings), fetched once.
    var postings = null;
    var waiting = [];
    function loadPostings(cb) {
        if (postings) { cb(postings); return; }
        waiting.push(cb);
        if (waiting.length > 1) { return; }
        $.getJSON("plantbridge/erp/postings").done(function (list) { postings = list; }).fail(function () { postings = []; }).always(function () {
            var w = waiting;
            waiting = [];
            w.forEach(function (f) { f(postings); });
        });
    }
    $(function () { loadPostings(function () {}); });

    /** Validator of a posting profile id: auto, or one the runtime knows (anything while the list is not there yet). */
    function knownPosting(v) {
        v = v || "auto";
        return v === "auto" || !postings || !postings.length || postings.some(function (p) { return p.id === v; });
    }

    /** Fills a posting select with "auto" and the runtime's profiles (catalog label when the catalog has one). */
    function postingSelect(node, select, catalog, done) {
        select.empty().append($("<option>").val("auto").text(node._(catalog + ".auto")));
        loadPostings(function (list) {
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

    window.PlantBridgeEditor = { optionalNumber: optionalNumber, storeSelect: storeSelect, knownPosting: knownPosting, postingSelect: postingSelect };
})();
