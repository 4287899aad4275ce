from harness.replay import (
    blocked_elements,
    console_messages,
    input_values,
    masked_texts,
    network_details,
    replay_strings,
)

EVENTS = [
    {"type": 4, "data": {"href": "http://127.0.0.1/login"}},
    {"type": 2, "data": {"node": {"type": 0, "id": 1, "childNodes": [
        {"type": 2, "id": 2, "tagName": "html", "attributes": {}, "childNodes": [
            {"type": 2, "id": 3, "tagName": "p", "attributes": {"class": "sentry-mask"}, "childNodes": [
                {"type": 3, "id": 4, "textContent": "*** *****"}]},
            {"type": 2, "id": 5, "tagName": "div", "attributes": {"class": "sentry-block"}, "childNodes": []},
            {"type": 2, "id": 6, "tagName": "input", "attributes": {"id": "email", "value": "*****"}, "childNodes": []},
        ]}]}}},
    {"type": 3, "data": {"source": 5, "id": 7, "text": "****", "isChecked": False}},
    {"type": 5, "data": {"tag": "performanceSpan", "payload": {
        "op": "resource.fetch", "description": "http://127.0.0.1/api/x",
        "data": {"request": {"headers": {"Content-Type": "application/json"}, "body": {"a": 1}}, "response": {}}}}},
    {"type": 5, "data": {"tag": "breadcrumb", "payload": {
        "category": "console", "message": "hello", "data": {"arguments": ["a"]}}}},
]  # fmt: skip
# A later mutation: text added under the masked <p> (id 3) and under the blocked <div> (id 5).
MUTATION = {"type": 3, "data": {"source": 0, "texts": [], "attributes": [], "removes": [], "adds": [
    {"parentId": 3, "nextId": None, "node": {"type": 3, "id": 8, "textContent": "plain words"}},
    {"parentId": 5, "nextId": None, "node": {"type": 2, "id": 9, "tagName": "span", "attributes": {}, "childNodes": [
        {"type": 3, "id": 10, "textContent": "should be blocked"}]}},
]}}  # fmt: skip


def test_inputs_masks_blocks_network_and_console_are_decoded() -> None:
    assert [(s.where, s.text) for s in input_values(EVENTS)] == [
        ("event 1 (full snapshot) / document > html > input#email @value", "*****"),
        ("event 2 (input, node 7)", "****"),
    ]
    assert [s.text for s in masked_texts(EVENTS)] == ["*** *****"]
    assert blocked_elements(EVENTS) == [("event 1 (full snapshot) / document > html > div", 0)]
    [net] = network_details(EVENTS)
    assert (net.url, net.request_headers, net.has_body) == (
        "http://127.0.0.1/api/x",
        {"content-type": "application/json"},
        True,
    )
    assert {s.text for s in console_messages(EVENTS)} >= {"hello", "a"}


def test_nodes_added_by_mutations_keep_their_place_in_the_tree() -> None:
    events = [*EVENTS, MUTATION]
    assert [(s.where, s.text) for s in masked_texts(events)][-1] == (
        "event 5 (mutation add 0) / html > p #text",
        "plain words",
    )
    assert blocked_elements(events) == [("event 1 (full snapshot) / document > html > div", 2)]


def test_every_string_has_a_category() -> None:
    categories = {s.text: s.category for s in replay_strings(EVENTS)}
    assert categories["*** *****"] == "text"
    assert categories["****"] == "input"
    assert categories["application/json"] == "network"
    assert categories["hello"] == "console"
