use super::select::return_type::*;
use super::*;
use crate::msgpack;
use crate::result_code::*;
use crate::value::{map_order, List, Map};

type ReadOutcome = Result<Option<Value>, ResultCode>;
/// The new bin and the op's result.
type ModifyOutcome = Result<(Value, Option<Value>), ResultCode>;

fn i(n: i64) -> Value {
    Value::Int(n)
}

fn s(x: &str) -> Value {
    Value::str(x)
}

fn l(items: Vec<Value>) -> Value {
    Value::List(List {
        items,
        ordered: false,
    })
}

fn ol(items: Vec<Value>) -> Value {
    Value::List(List {
        items,
        ordered: true,
    })
}

fn m(entries: Vec<(Value, Value)>) -> Value {
    Value::Map(Map { entries, order: 0 })
}

fn km(entries: Vec<(Value, Value)>) -> Value {
    Value::Map(Map {
        entries,
        order: map_order::KEY_ORDERED,
    })
}

fn payload(op: i64, args: Vec<Value>) -> Vec<u8> {
    let mut items = vec![i(op)];
    items.extend(args);
    let mut out = Vec::new();
    msgpack::encode(&l(items), &mut out);
    out
}

fn ctx_payload(ctx: Vec<Value>, op: i64, args: Vec<Value>) -> Vec<u8> {
    let mut inner = vec![i(op)];
    inner.extend(args);
    let mut out = Vec::new();
    msgpack::encode(&l(vec![i(0xff), l(ctx), l(inner)]), &mut out);
    out
}

fn rd(bin: &Value, op: i64, args: Vec<Value>) -> Result<Option<Value>, ResultCode> {
    read(Some(bin), &payload(op, args))
}

fn md(bin: Option<&Value>, op: i64, args: Vec<Value>) -> Result<Modified, ResultCode> {
    modify(bin, &payload(op, args))
}

/// Runs a modify on `bin` and returns (new bin, result).
fn md_ok(bin: &Value, op: i64, args: Vec<Value>) -> (Value, Option<Value>) {
    let out = md(Some(bin), op, args).unwrap();
    (out.bin.unwrap(), out.result)
}

fn sample_list() -> Value {
    l(vec![i(3), i(1), i(2), i(1)])
}

#[test]
fn list_reads_by_every_selector_and_return_type() {
    let list = sample_list();
    let cases: Vec<(i64, Vec<Value>, ReadOutcome)> = vec![
        (16, vec![], Ok(Some(i(4)))),
        (17, vec![i(-1)], Ok(Some(i(1)))),
        (17, vec![i(4)], Err(OP_NOT_APPLICABLE)),
        (18, vec![i(1), i(2)], Ok(Some(l(vec![i(1), i(2)])))),
        (18, vec![i(-2)], Ok(Some(l(vec![i(2), i(1)])))),
        (19, vec![i(VALUE), i(1)], Ok(Some(i(1)))),
        (19, vec![i(VALUE), i(-4)], Ok(Some(i(3)))),
        (19, vec![i(VALUE), i(4)], Err(OP_NOT_APPLICABLE)),
        (19, vec![i(INDEX), i(-1)], Ok(Some(i(3)))),
        (19, vec![i(REVERSE_INDEX), i(0)], Ok(Some(i(3)))),
        (19, vec![i(RANK), i(0)], Ok(Some(i(3)))),
        (19, vec![i(REVERSE_RANK), i(0)], Ok(Some(i(0)))),
        (19, vec![i(COUNT), i(0)], Ok(Some(i(1)))),
        (19, vec![i(NONE), i(0)], Ok(None)),
        (19, vec![i(KEY), i(0)], Err(PARAMETER_ERROR)),
        (19, vec![i(VALUE | INVERTED), i(0)], Err(OP_NOT_APPLICABLE)),
        (21, vec![i(VALUE), i(0)], Ok(Some(i(1)))),
        (21, vec![i(VALUE), i(-1)], Ok(Some(i(3)))),
        (21, vec![i(INDEX), i(0)], Ok(Some(i(1)))),
        (22, vec![i(COUNT), i(1)], Ok(Some(i(2)))),
        (22, vec![i(INDEX), i(1)], Ok(Some(l(vec![i(1), i(3)])))),
        (22, vec![i(EXISTS), i(9)], Ok(Some(Value::Bool(false)))),
        (22, vec![i(EXISTS), i(2)], Ok(Some(Value::Bool(true)))),
        (
            22,
            vec![i(VALUE | INVERTED), i(1)],
            Ok(Some(l(vec![i(3), i(2)]))),
        ),
        (
            23,
            vec![i(VALUE), l(vec![i(1), i(3)])],
            Ok(Some(l(vec![i(3), i(1), i(1)]))),
        ),
        (
            24,
            vec![i(VALUE), i(1), i(2)],
            Ok(Some(l(vec![i(1), i(2)]))),
        ),
        (24, vec![i(VALUE), i(-2)], Ok(Some(l(vec![i(2), i(1)])))),
        (24, vec![i(VALUE), i(10)], Ok(Some(l(vec![])))),
        (24, vec![i(VALUE), i(-10), i(7)], Ok(Some(l(vec![i(3)])))),
        (24, vec![i(COUNT), i(1)], Ok(Some(i(3)))),
        (
            24,
            vec![i(VALUE), i(2), i(-1)],
            Ok(Some(l(vec![i(2), i(1)]))),
        ),
        (
            25,
            vec![i(VALUE), i(1), i(3)],
            Ok(Some(l(vec![i(1), i(2), i(1)]))),
        ),
        (
            25,
            vec![i(VALUE), i(2), Value::Nil],
            Ok(Some(l(vec![i(3), i(2)]))),
        ),
        (25, vec![i(COUNT), i(2)], Ok(Some(i(2)))),
        (
            26,
            vec![i(VALUE), i(0), i(2)],
            Ok(Some(l(vec![i(1), i(1)]))),
        ),
        (26, vec![i(VALUE), i(-2)], Ok(Some(l(vec![i(2), i(3)])))),
        (26, vec![i(INDEX), i(-1)], Ok(Some(l(vec![i(0)])))),
        (
            27,
            vec![i(VALUE), i(2), i(0), i(2)],
            Ok(Some(l(vec![i(2), i(3)]))),
        ),
        (
            27,
            vec![i(VALUE), i(2), i(-1)],
            Ok(Some(l(vec![i(1), i(2), i(3)]))),
        ),
        (14, vec![], Err(PARAMETER_ERROR)),
        (99, vec![], Err(BIN_TYPE_ERROR)),
        (1, vec![i(1)], Err(PARAMETER_ERROR)),
        (19, vec![s("x"), i(0)], Err(PARAMETER_ERROR)),
        (19, vec![i(VALUE), s("x")], Err(PARAMETER_ERROR)),
        (16, vec![i(1)], Err(PARAMETER_ERROR)),
    ];
    for (op, args, want) in cases {
        assert_eq!(rd(&list, op, args.clone()), want, "op {op} {args:?}");
    }
}

#[test]
fn reads_on_a_missing_bin_or_other_type() {
    assert_eq!(read(None, &payload(16, vec![])), Ok(None));
    assert_eq!(read(None, &payload(200, vec![])), Err(PARAMETER_ERROR));
    assert_eq!(rd(&i(5), 16, vec![]), Err(BIN_TYPE_ERROR));
    assert_eq!(rd(&sample_list(), 96, vec![]), Err(BIN_TYPE_ERROR));
    assert_eq!(rd(&m(vec![]), 16, vec![]), Err(BIN_TYPE_ERROR));
}

#[test]
fn list_appends_honour_order_and_write_flags() {
    // A missing bin is created, with the order argument.
    let out = md(None, 1, vec![i(5), i(1), i(0)]).unwrap();
    assert_eq!(out.result, Some(i(1)));
    assert_eq!(out.bin, Some(ol(vec![i(5)])));
    let (bin, size) = md_ok(&ol(vec![i(1), i(5)]), 1, vec![i(3)]);
    assert_eq!((bin, size), (ol(vec![i(1), i(3), i(5)]), Some(i(3))));
    let (bin, _) = md_ok(&sample_list(), 2, vec![l(vec![i(9), i(0)])]);
    assert_eq!(bin, l(vec![i(3), i(1), i(2), i(1), i(9), i(0)]));

    let list = l(vec![i(1), i(2)]);
    assert_eq!(
        md(Some(&list), 1, vec![i(2), i(0), i(1)]),
        Err(ELEMENT_EXISTS)
    );
    let (bin, size) = md_ok(&list, 1, vec![i(2), i(0), i(1 | 4)]);
    assert_eq!((bin, size), (list.clone(), Some(i(2))));
    // Items: without DO_PARTIAL a refused item cancels the whole op; with it, only that item.
    let items = l(vec![i(3), i(2), i(3)]);
    assert_eq!(
        md(Some(&list), 2, vec![items.clone(), i(0), i(1)]),
        Err(ELEMENT_EXISTS)
    );
    let (bin, _) = md_ok(&list, 2, vec![items.clone(), i(0), i(1 | 4)]);
    assert_eq!(bin, list);
    let (bin, size) = md_ok(&list, 2, vec![items, i(0), i(1 | 4 | 8)]);
    assert_eq!((bin, size), (l(vec![i(1), i(2), i(3)]), Some(i(3))));
}

#[test]
fn list_inserts_and_sets_pad_or_refuse_out_of_bounds() {
    let list = l(vec![i(1), i(2)]);
    let cases: Vec<(i64, Vec<Value>, ModifyOutcome)> = vec![
        (
            3,
            vec![i(1), i(9)],
            Ok((l(vec![i(1), i(9), i(2)]), Some(i(3)))),
        ),
        (
            3,
            vec![i(-1), i(9)],
            Ok((l(vec![i(1), i(9), i(2)]), Some(i(3)))),
        ),
        (
            3,
            vec![i(4), i(9)],
            Ok((
                l(vec![i(1), i(2), Value::Nil, Value::Nil, i(9)]),
                Some(i(5)),
            )),
        ),
        (
            3,
            vec![i(2), i(9), i(2)],
            Ok((l(vec![i(1), i(2), i(9)]), Some(i(3)))),
        ),
        (3, vec![i(3), i(9), i(2)], Err(OP_NOT_APPLICABLE)),
        (
            3,
            vec![i(3), i(9), i(2 | 4)],
            Ok((list.clone(), Some(i(2)))),
        ),
        (3, vec![i(-3), i(9)], Err(OP_NOT_APPLICABLE)),
        (3, vec![i(0), i(1), i(1)], Err(ELEMENT_EXISTS)),
        (
            4,
            vec![i(0), l(vec![i(7), i(8)])],
            Ok((l(vec![i(7), i(8), i(1), i(2)]), Some(i(4)))),
        ),
        (9, vec![i(0), i(9)], Ok((l(vec![i(9), i(2)]), None))),
        (9, vec![i(-1), i(9)], Ok((l(vec![i(1), i(9)]), None))),
        (
            9,
            vec![i(3), i(9)],
            Ok((l(vec![i(1), i(2), Value::Nil, i(9)]), None)),
        ),
        (
            9,
            vec![i(2), i(9), i(2)],
            Ok((l(vec![i(1), i(2), i(9)]), None)),
        ),
        (9, vec![i(3), i(9), i(2)], Err(OP_NOT_APPLICABLE)),
        (9, vec![i(1), i(1), i(1)], Err(ELEMENT_EXISTS)),
        (9, vec![i(0), i(1), i(1)], Ok((list.clone(), None))),
        (9, vec![i(-3), i(9)], Err(OP_NOT_APPLICABLE)),
        (9, vec![i(1 << 40), i(9)], Err(RECORD_TOO_BIG)),
        (3, vec![s("x"), i(9)], Err(PARAMETER_ERROR)),
    ];
    for (op, args, want) in cases {
        let got = md(Some(&list), op, args.clone()).map(|m| (m.bin.unwrap(), m.result));
        assert_eq!(got, want, "op {op} {args:?}");
    }
    assert_eq!(
        md(Some(&ol(vec![])), 3, vec![i(0), i(1)]),
        Err(OP_NOT_APPLICABLE)
    );
    assert_eq!(
        md(Some(&ol(vec![i(1)])), 9, vec![i(0), i(1)]),
        Err(OP_NOT_APPLICABLE)
    );
}

#[test]
fn list_increment_creates_adds_and_checks_types() {
    let list = l(vec![i(1), Value::Float(1.5), s("x")]);
    let cases: Vec<(Vec<Value>, ModifyOutcome)> = vec![
        (
            vec![i(0)],
            Ok((l(vec![i(2), Value::Float(1.5), s("x")]), Some(i(2)))),
        ),
        (
            vec![i(0), i(-5)],
            Ok((l(vec![i(-4), Value::Float(1.5), s("x")]), Some(i(-4)))),
        ),
        (
            vec![i(1), Value::Float(1.0)],
            Ok((
                l(vec![i(1), Value::Float(2.5), s("x")]),
                Some(Value::Float(2.5)),
            )),
        ),
        (
            vec![i(4), i(3)],
            Ok((
                l(vec![i(1), Value::Float(1.5), s("x"), Value::Nil, i(3)]),
                Some(i(3)),
            )),
        ),
        (vec![i(2)], Err(PARAMETER_ERROR)),
        (vec![i(0), s("y")], Err(PARAMETER_ERROR)),
        (vec![i(3), i(1), i(0), i(2)], Err(OP_NOT_APPLICABLE)),
        (vec![i(3), i(1), i(0), i(2 | 4)], Ok((list.clone(), None))),
    ];
    for (args, want) in cases {
        let got = md(Some(&list), 12, args.clone()).map(|m| (m.bin.unwrap(), m.result));
        assert_eq!(got, want, "{args:?}");
    }
    let (bin, _) = md_ok(&ol(vec![i(1), i(5)]), 12, vec![i(0), i(10)]);
    assert_eq!(bin, ol(vec![i(5), i(11)]));
}

#[test]
fn list_removals_pops_trims_and_sorts() {
    let list = sample_list();
    let cases: Vec<(i64, Vec<Value>, Value, Option<Value>)> = vec![
        (5, vec![i(0)], l(vec![i(1), i(2), i(1)]), Some(i(3))),
        (
            6,
            vec![i(1), i(2)],
            l(vec![i(3), i(1)]),
            Some(l(vec![i(1), i(2)])),
        ),
        (7, vec![i(-1)], l(vec![i(3), i(1), i(2)]), Some(i(1))),
        (8, vec![i(1)], l(vec![i(3)]), Some(i(3))),
        (10, vec![i(1), i(2)], l(vec![i(1), i(2)]), Some(i(2))),
        (11, vec![], l(vec![]), None),
        (13, vec![], l(vec![i(1), i(1), i(2), i(3)]), None),
        (13, vec![i(1 | 2)], l(vec![i(3), i(2), i(1)]), None),
        (
            32,
            vec![i(VALUE), i(0)],
            l(vec![i(1), i(2), i(1)]),
            Some(i(3)),
        ),
        (
            34,
            vec![i(VALUE), i(-1)],
            l(vec![i(1), i(2), i(1)]),
            Some(i(3)),
        ),
        (35, vec![i(COUNT), i(1)], l(vec![i(3), i(2)]), Some(i(2))),
        (35, vec![i(NONE), i(1)], l(vec![i(3), i(2)]), None),
        (
            35,
            vec![i(COUNT | INVERTED), i(1)],
            l(vec![i(1), i(1)]),
            Some(i(2)),
        ),
        (
            36,
            vec![i(INDEX), l(vec![i(3), i(2)])],
            l(vec![i(1), i(1)]),
            Some(l(vec![i(0), i(2)])),
        ),
        (
            37,
            vec![i(VALUE), i(2)],
            l(vec![i(3), i(1)]),
            Some(l(vec![i(2), i(1)])),
        ),
        (
            38,
            vec![i(COUNT), i(2), Value::Nil],
            l(vec![i(1), i(1)]),
            Some(i(2)),
        ),
        (
            39,
            vec![i(VALUE), i(0), i(2)],
            l(vec![i(3), i(2)]),
            Some(l(vec![i(1), i(1)])),
        ),
        (
            40,
            vec![i(COUNT), i(2), i(0)],
            l(vec![i(1), i(1)]),
            Some(i(2)),
        ),
    ];
    for (op, args, bin, result) in cases {
        assert_eq!(
            md_ok(&list, op, args.clone()),
            (bin, result),
            "op {op} {args:?}"
        );
    }
    assert_eq!(md(Some(&list), 5, vec![i(4)]), Err(OP_NOT_APPLICABLE));
    assert_eq!(md(Some(&list), 7, vec![i(-5)]), Err(OP_NOT_APPLICABLE));
    assert_eq!(md(Some(&list), 16, vec![]), Err(PARAMETER_ERROR));
    assert_eq!(md(Some(&s("x")), 1, vec![i(1)]), Err(BIN_TYPE_ERROR));
    // Removing from a missing bin leaves it missing.
    let out = md(None, 35, vec![i(COUNT), i(1)]).unwrap();
    assert_eq!(
        out,
        Modified {
            bin: None,
            result: Some(i(0))
        }
    );
    // SET_TYPE sorts, from either argument shape.
    assert_eq!(
        md_ok(&list, 0, vec![i(1)]).0,
        ol(vec![i(1), i(1), i(2), i(3)])
    );
    assert_eq!(
        md_ok(&list, 0, vec![i(0xc0), i(1)]).0,
        ol(vec![i(1), i(1), i(2), i(3)])
    );
}

fn sample_map() -> Value {
    // Insertion order differs from key order: index and rank must not follow storage.
    m(vec![(s("c"), i(1)), (s("a"), i(3)), (s("b"), i(2))])
}

fn kv_map(entries: Vec<(Value, Value)>) -> Value {
    Value::Map(Map {
        entries,
        order: map_order::PRESERVE_ORDER,
    })
}

#[test]
fn map_reads_by_every_selector_and_return_type() {
    let map = sample_map();
    let cases: Vec<(i64, Vec<Value>, ReadOutcome)> = vec![
        (96, vec![], Ok(Some(i(3)))),
        (97, vec![i(VALUE), s("a")], Ok(Some(i(3)))),
        (97, vec![i(VALUE), s("z")], Ok(None)),
        (97, vec![i(KEY), s("z")], Ok(None)),
        (97, vec![i(KEY_VALUE), s("z")], Ok(Some(kv_map(vec![])))),
        (97, vec![i(COUNT), s("z")], Ok(Some(i(0)))),
        (97, vec![i(EXISTS), s("b")], Ok(Some(Value::Bool(true)))),
        (97, vec![i(INDEX), s("c")], Ok(Some(i(2)))),
        (97, vec![i(INDEX), s("z")], Ok(Some(i(-1)))),
        (97, vec![i(RANK), s("a")], Ok(Some(i(2)))),
        (
            97,
            vec![i(KEY_VALUE), s("b")],
            Ok(Some(kv_map(vec![(s("b"), i(2))]))),
        ),
        (97, vec![i(KEY | INVERTED), s("b")], Err(OP_NOT_APPLICABLE)),
        (98, vec![i(KEY), i(0)], Ok(Some(s("a")))),
        (98, vec![i(VALUE), i(-1)], Ok(Some(i(1)))),
        (98, vec![i(VALUE), i(3)], Err(OP_NOT_APPLICABLE)),
        (100, vec![i(KEY), i(0)], Ok(Some(s("c")))),
        (100, vec![i(REVERSE_RANK), i(0)], Ok(Some(i(2)))),
        (102, vec![i(KEY), i(2)], Ok(Some(l(vec![s("b")])))),
        (103, vec![i(KEY), s("b")], Ok(Some(l(vec![s("b"), s("c")])))),
        (
            103,
            vec![i(KEY), s("a"), s("c")],
            Ok(Some(l(vec![s("a"), s("b")]))),
        ),
        (
            104,
            vec![i(VALUE), i(1), i(5)],
            Ok(Some(l(vec![i(2), i(1)]))),
        ),
        (
            104,
            vec![i(KEY_VALUE), i(0), i(2)],
            Ok(Some(kv_map(vec![(s("a"), i(3)), (s("b"), i(2))]))),
        ),
        (
            104,
            vec![i(UNORDERED_MAP), i(0), i(1)],
            Ok(Some(m(vec![(s("a"), i(3))]))),
        ),
        (
            104,
            vec![i(ORDERED_MAP), i(-2)],
            Ok(Some(km(vec![(s("b"), i(2)), (s("c"), i(1))]))),
        ),
        (
            105,
            vec![i(KEY), i(2), i(4)],
            Ok(Some(l(vec![s("a"), s("b")]))),
        ),
        (
            106,
            vec![i(KEY), i(0), i(2)],
            Ok(Some(l(vec![s("c"), s("b")]))),
        ),
        (106, vec![i(VALUE), i(-1)], Ok(Some(l(vec![i(3)])))),
        (
            107,
            vec![i(VALUE), l(vec![s("c"), s("a"), s("q")])],
            Ok(Some(l(vec![i(3), i(1)]))),
        ),
        (
            108,
            vec![i(KEY), l(vec![i(1), i(2)])],
            Ok(Some(l(vec![s("b"), s("c")]))),
        ),
        (109, vec![i(KEY), s("b"), i(1)], Ok(Some(l(vec![s("c")])))),
        (
            109,
            vec![i(KEY), s("bb"), i(-1), i(2)],
            Ok(Some(l(vec![s("b"), s("c")]))),
        ),
        (
            110,
            vec![i(KEY), i(2), i(0), i(1)],
            Ok(Some(l(vec![s("b")]))),
        ),
        (96, vec![i(0)], Err(PARAMETER_ERROR)),
        (97, vec![i(VALUE)], Err(PARAMETER_ERROR)),
        (104, vec![i(VALUE), s("x")], Err(PARAMETER_ERROR)),
        (107, vec![i(VALUE), s("x")], Err(PARAMETER_ERROR)),
        (97, vec![i(99), s("a")], Err(PARAMETER_ERROR)),
        (67, vec![s("a"), i(1)], Err(PARAMETER_ERROR)),
    ];
    for (op, args, want) in cases {
        assert_eq!(rd(&map, op, args.clone()), want, "op {op} {args:?}");
    }
}

#[test]
fn map_writes_honour_order_and_write_flags() {
    let out = md(None, 67, vec![s("b"), i(2), i(1)]).unwrap();
    assert_eq!(out.bin, Some(km(vec![(s("b"), i(2))])));
    assert_eq!(out.result, Some(i(1)));
    let (bin, _) = md_ok(&out.bin.unwrap(), 67, vec![s("a"), i(1), i(0)]);
    assert_eq!(bin, km(vec![(s("a"), i(1)), (s("b"), i(2))]));

    let map = m(vec![(s("x"), i(1))]);
    let cases: Vec<(i64, Vec<Value>, ModifyOutcome)> = vec![
        (
            67,
            vec![s("x"), i(5), i(0)],
            Ok((m(vec![(s("x"), i(5))]), Some(i(1)))),
        ),
        (
            67,
            vec![s("y"), i(5), i(0), i(0)],
            Ok((m(vec![(s("x"), i(1)), (s("y"), i(5))]), Some(i(2)))),
        ),
        (67, vec![s("x"), i(5), i(0), i(1)], Err(ELEMENT_EXISTS)),
        (
            67,
            vec![s("x"), i(5), i(0), i(1 | 4)],
            Ok((map.clone(), Some(i(1)))),
        ),
        (67, vec![s("y"), i(5), i(0), i(2)], Err(ELEMENT_NOT_FOUND)),
        (
            67,
            vec![s("y"), i(5), i(0), i(2 | 4)],
            Ok((map.clone(), Some(i(1)))),
        ),
        (65, vec![s("x"), i(5)], Err(ELEMENT_EXISTS)),
        (
            65,
            vec![s("y"), i(5)],
            Ok((m(vec![(s("x"), i(1)), (s("y"), i(5))]), Some(i(2)))),
        ),
        (69, vec![s("y"), i(5)], Err(ELEMENT_NOT_FOUND)),
        (
            69,
            vec![s("x"), i(5)],
            Ok((m(vec![(s("x"), i(5))]), Some(i(1)))),
        ),
        (67, vec![l(vec![]), i(5)], Err(PARAMETER_ERROR)),
        (67, vec![s("x")], Err(PARAMETER_ERROR)),
        (
            68,
            vec![m(vec![(s("x"), i(2)), (s("z"), i(3))]), i(0), i(1)],
            Err(ELEMENT_EXISTS),
        ),
        (
            68,
            vec![m(vec![(s("x"), i(2)), (s("z"), i(3))]), i(0), i(1 | 4)],
            Ok((map.clone(), Some(i(1)))),
        ),
        (
            68,
            vec![m(vec![(s("x"), i(2)), (s("z"), i(3))]), i(0), i(1 | 4 | 8)],
            Ok((m(vec![(s("x"), i(1)), (s("z"), i(3))]), Some(i(2)))),
        ),
        (66, vec![m(vec![(s("x"), i(2))])], Err(ELEMENT_EXISTS)),
        (70, vec![m(vec![(s("q"), i(2))])], Err(ELEMENT_NOT_FOUND)),
        (68, vec![l(vec![])], Err(PARAMETER_ERROR)),
        (
            73,
            vec![s("x"), i(4)],
            Ok((m(vec![(s("x"), i(5))]), Some(i(5)))),
        ),
        (
            73,
            vec![s("n")],
            Ok((m(vec![(s("x"), i(1)), (s("n"), i(1))]), Some(i(1)))),
        ),
        (
            74,
            vec![s("x"), i(4)],
            Ok((m(vec![(s("x"), i(-3))]), Some(i(-3)))),
        ),
        (73, vec![s("x"), s("a")], Err(PARAMETER_ERROR)),
        (75, vec![], Ok((m(vec![]), None))),
        (64, vec![i(1)], Ok((km(vec![(s("x"), i(1))]), None))),
        (64, vec![i(2)], Err(PARAMETER_ERROR)),
        (
            64,
            vec![i(0x80), i(1)],
            Ok((km(vec![(s("x"), i(1))]), None)),
        ),
        (64, vec![i(0x80), i(1), i(1)], Err(PARAMETER_ERROR)),
    ];
    for (op, args, want) in cases {
        let got = md(Some(&map), op, args.clone()).map(|m| (m.bin.unwrap(), m.result));
        assert_eq!(got, want, "op {op} {args:?}");
    }
    assert_eq!(
        md(Some(&m(vec![(s("x"), s("v"))])), 73, vec![s("x")]),
        Err(PARAMETER_ERROR)
    );
    assert_eq!(
        md(Some(&sample_list()), 67, vec![s("x"), i(1)]),
        Err(BIN_TYPE_ERROR)
    );
}

#[test]
fn map_removals_report_then_remove() {
    let map = sample_map();
    let cases: Vec<(i64, Vec<Value>, Value, Option<Value>)> = vec![
        (
            76,
            vec![i(VALUE), s("a")],
            m(vec![(s("c"), i(1)), (s("b"), i(2))]),
            Some(i(3)),
        ),
        (76, vec![i(VALUE), s("z")], map.clone(), None),
        (
            77,
            vec![i(KEY), i(0)],
            m(vec![(s("c"), i(1)), (s("b"), i(2))]),
            Some(s("a")),
        ),
        (
            79,
            vec![i(KEY), i(-1)],
            m(vec![(s("c"), i(1)), (s("b"), i(2))]),
            Some(s("a")),
        ),
        (
            81,
            vec![i(COUNT), l(vec![s("a"), s("c")])],
            m(vec![(s("b"), i(2))]),
            Some(i(2)),
        ),
        (
            82,
            vec![i(KEY), i(1)],
            m(vec![(s("a"), i(3)), (s("b"), i(2))]),
            Some(l(vec![s("c")])),
        ),
        (
            83,
            vec![i(NONE), l(vec![i(1), i(3)])],
            m(vec![(s("b"), i(2))]),
            None,
        ),
        (
            84,
            vec![i(COUNT), s("b")],
            m(vec![(s("a"), i(3))]),
            Some(i(2)),
        ),
        (
            85,
            vec![i(COUNT), i(0), i(1)],
            m(vec![(s("c"), i(1)), (s("b"), i(2))]),
            Some(i(1)),
        ),
        (
            86,
            vec![i(COUNT), i(2)],
            m(vec![(s("c"), i(1))]),
            Some(i(2)),
        ),
        (
            87,
            vec![i(COUNT | INVERTED), i(0), i(1)],
            m(vec![(s("c"), i(1))]),
            Some(i(2)),
        ),
        (
            88,
            vec![i(COUNT), s("a"), i(1), i(1)],
            m(vec![(s("c"), i(1)), (s("a"), i(3))]),
            Some(i(1)),
        ),
        (
            89,
            vec![i(COUNT), i(2), i(0)],
            m(vec![(s("c"), i(1))]),
            Some(i(2)),
        ),
    ];
    for (op, args, bin, result) in cases {
        assert_eq!(
            md_ok(&map, op, args.clone()),
            (bin, result),
            "op {op} {args:?}"
        );
    }
}

#[test]
fn contexts_reach_nested_collections() {
    let doc = m(vec![
        (s("list"), l(vec![i(1), m(vec![(s("k"), i(7))])])),
        (s("ord"), ol(vec![i(1), l(vec![i(5)])])),
    ]);
    let key_ctx = |k: &str| vec![i(0x22), s(k)];
    // Read through map key then list index.
    let ctx = [key_ctx("list"), vec![i(0x10), i(-1)]].concat();
    assert_eq!(
        read(
            Some(&doc),
            &ctx_payload(ctx.clone(), 97, vec![i(VALUE), s("k")])
        ),
        Ok(Some(i(7)))
    );
    // Modify through the same path.
    let out = modify(Some(&doc), &ctx_payload(ctx, 67, vec![s("n"), i(8)])).unwrap();
    assert_eq!(out.result, Some(i(2)));
    let again = [key_ctx("list"), vec![i(0x10), i(1)]].concat();
    assert_eq!(
        read(out.bin.as_ref(), &ctx_payload(again, 96, vec![])),
        Ok(Some(i(2)))
    );
    // Rank and value steps.
    let by_rank = [key_ctx("ord"), vec![i(0x11), i(-1)]].concat();
    assert_eq!(
        read(Some(&doc), &ctx_payload(by_rank, 17, vec![i(0)])),
        Ok(Some(i(5)))
    );
    let by_value = vec![i(0x23), l(vec![i(1), m(vec![(s("k"), i(7))])])];
    assert_eq!(
        read(Some(&doc), &ctx_payload(by_value, 16, vec![])),
        Ok(Some(i(2)))
    );
    let by_index = vec![i(0x20), i(0)];
    assert_eq!(
        read(Some(&doc), &ctx_payload(by_index, 16, vec![])),
        Ok(Some(i(2)))
    );
    let by_map_rank = vec![i(0x21), i(0)];
    assert_eq!(
        read(Some(&doc), &ctx_payload(by_map_rank, 16, vec![])),
        Ok(Some(i(2)))
    );
    // Missing levels: 26 without create flags, created with them.
    let missing = key_ctx("nope");
    assert_eq!(
        read(Some(&doc), &ctx_payload(missing.clone(), 96, vec![])),
        Err(OP_NOT_APPLICABLE)
    );
    assert_eq!(
        modify(Some(&doc), &ctx_payload(missing, 1, vec![i(1)])),
        Err(OP_NOT_APPLICABLE)
    );
    let create = vec![i(0x22 | 0x80), s("new")];
    let out = modify(Some(&doc), &ctx_payload(create, 67, vec![s("z"), i(1)])).unwrap();
    let Some(Value::Map(root)) = out.bin else {
        panic!("map expected")
    };
    assert_eq!(root.entries[2], (s("new"), km(vec![(s("z"), i(1))])));
    // A missing bin is built from the context's create steps.
    let create = vec![i(0x22 | 0x40), s("a"), i(0x10 | 0x80), i(2)];
    let out = modify(None, &ctx_payload(create, 1, vec![i(9)])).unwrap();
    assert_eq!(
        out.bin,
        Some(m(vec![(
            s("a"),
            l(vec![Value::Nil, Value::Nil, l(vec![i(9)])])
        )]))
    );
    // Creating list levels: -1 in an empty list, the end, past the end of an ordered list.
    let create_last = vec![i(0x10 | 0x40), i(-1)];
    let out = modify(Some(&l(vec![])), &ctx_payload(create_last, 1, vec![i(1)])).unwrap();
    assert_eq!(out.bin, Some(l(vec![l(vec![i(1)])])));
    let past_end = vec![i(0x10 | 0x40), i(5)];
    assert_eq!(
        modify(
            Some(&l(vec![i(1)])),
            &ctx_payload(past_end.clone(), 1, vec![i(2)])
        ),
        Err(OP_NOT_APPLICABLE)
    );
    let out = modify(Some(&ol(vec![i(1)])), &ctx_payload(past_end, 1, vec![i(2)])).unwrap();
    assert_eq!(out.bin, Some(ol(vec![i(1), l(vec![i(2)])])));
    // Modifying inside an ordered list keeps it ordered.
    let sorted = ol(vec![l(vec![i(1)]), l(vec![i(2)])]);
    let out = modify(
        Some(&sorted),
        &ctx_payload(vec![i(0x10), i(0)], 1, vec![i(5)]),
    )
    .unwrap();
    assert_eq!(out.bin, Some(ol(vec![l(vec![i(1), i(5)]), l(vec![i(2)])])));
    // Type mismatches along the path: the level is not there.
    let wrong = vec![i(0x10), i(0)];
    assert_eq!(
        read(Some(&doc), &ctx_payload(wrong, 16, vec![])),
        Err(OP_NOT_APPLICABLE)
    );
}

#[test]
fn hostile_payloads_are_rejected() {
    let bin = sample_list();
    let mut deep = vec![0x91; 200];
    deep.push(0x10);
    let cases: Vec<Vec<u8>> = vec![
        vec![],
        vec![0x91],
        vec![0x05],
        vec![0x90],
        vec![0x91, 0xa1, 0x03],
        vec![0xdd, 0xff, 0xff, 0xff, 0xff, 0x10],
        vec![0x92, 0x10, 0xdc, 0xff, 0xff],
        vec![0x91, 0x10, 0x00],
        deep,
        ctx_payload(vec![], 16, vec![]),
        ctx_payload(vec![i(0x10)], 16, vec![]),
        ctx_payload(vec![i(0x10), s("x")], 16, vec![]),
        payload(0xff, vec![i(1)]),
        payload(-1, vec![]),
    ];
    for bytes in cases {
        assert_eq!(
            read(Some(&bin), &bytes),
            Err(PARAMETER_ERROR),
            "{bytes:02x?}"
        );
        assert_eq!(
            modify(Some(&bin), &bytes).err(),
            Some(PARAMETER_ERROR),
            "{bytes:02x?}"
        );
    }
}

/// A small deterministic generator for mutation tests (xorshift64).
pub(crate) struct Mutator(u64);

impl Mutator {
    pub(crate) fn new() -> Self {
        Mutator(0x2545_f491_4f6c_dd1d)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A copy of `seed` with one to four bytes overwritten, inserted or cut off.
    pub(crate) fn mutate(&mut self, seed: &[u8]) -> Vec<u8> {
        let mut bytes = seed.to_vec();
        for _ in 0..1 + self.next() % 4 {
            let r = self.next();
            let at = (r >> 8) as usize % (bytes.len() + 1);
            let byte = (r >> 32) as u8;
            match r % 3 {
                0 if at < bytes.len() => bytes[at] = byte,
                1 => bytes.insert(at, byte),
                _ => bytes.truncate(at),
            }
        }
        bytes
    }
}

#[test]
fn mutated_payloads_answer_a_value_or_a_result_code() {
    let list = sample_list();
    let map = sample_map();
    let seeds = [
        payload(1, vec![i(5), i(1), i(1)]),
        payload(4, vec![i(1), l(vec![i(7), s("x")]), i(2)]),
        payload(24, vec![i(VALUE | INVERTED), i(-2), i(2)]),
        payload(27, vec![i(INDEX), i(2), i(-1), i(3)]),
        payload(68, vec![m(vec![(s("k"), l(vec![i(1)]))]), i(1), i(8)]),
        payload(109, vec![i(KEY_VALUE), s("b"), i(-1), i(2)]),
        ctx_payload(
            vec![i(0x22 | 0x80), s("k"), i(0x10 | 0x80), i(3)],
            1,
            vec![i(1)],
        ),
        ctx_payload(vec![i(0x13), i(1), i(0x21), i(0)], 16, vec![]),
    ];
    let mut mutator = Mutator::new();
    for round in 0..20_000 {
        let bytes = mutator.mutate(&seeds[round % seeds.len()]);
        for bin in [Some(&list), Some(&map), None] {
            // Any outcome is fine; reaching the next round shows there was no panic.
            let _ = read(bin, &bytes);
            let _ = modify(bin, &bytes);
        }
    }
}
