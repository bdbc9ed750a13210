use super::exp_type::*;
use super::*;
use crate::msgpack;
use crate::result_code::{BIN_EXISTS, BIN_NOT_FOUND, OP_NOT_APPLICABLE, PARAMETER_ERROR};
use crate::value::{List, Map};

/// What EXP_MODIFY answers: the bin's new value, or an error.
type ModifyOutcome = Result<Option<Value>, ResultCode>;

/// A record for evaluation: bins a=5, f=2.5, s="Hello", l=[3,1,2], m={"x":1,"y":2}.
struct Rec {
    bins: Vec<(&'static str, Value)>,
    key: Option<Value>,
}

const NOW_NS: u64 = 1_700_000_000 * 1_000_000_000;
/// Void time 100 s from NOW, in seconds since 2010.
const VOID_TIME: u32 = (1_700_000_000 - 1_262_304_000 + 100) as u32;

impl RecordView for Rec {
    fn bin(&self, name: &[u8]) -> Option<&Value> {
        self.bins
            .iter()
            .find(|(n, _)| n.as_bytes() == name)
            .map(|(_, v)| v)
    }
    fn user_key(&self) -> Option<&Value> {
        self.key.as_ref()
    }
    fn digest(&self) -> &[u8; 20] {
        &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 1, 0, 0]
    }
    fn set_name(&self) -> &[u8] {
        b"demo"
    }
    fn void_time(&self) -> u32 {
        VOID_TIME
    }
    fn last_update_ns(&self) -> u64 {
        NOW_NS - 2_500_000_000
    }
    fn now_ns(&self) -> u64 {
        NOW_NS
    }
    fn record_size(&self) -> usize {
        321
    }
}

fn rec() -> Rec {
    Rec {
        bins: vec![
            ("a", Value::Int(5)),
            ("f", Value::Float(2.5)),
            ("s", Value::str("Hello")),
            (
                "l",
                Value::List(List {
                    items: vec![Value::Int(3), Value::Int(1), Value::Int(2)],
                    ordered: false,
                }),
            ),
            (
                "m",
                Value::Map(Map {
                    entries: vec![
                        (Value::str("x"), Value::Int(1)),
                        (Value::str("y"), Value::Int(2)),
                    ],
                    order: 0,
                }),
            ),
        ],
        key: Some(Value::Int(42)),
    }
}

// Wire builders, mirroring what clients send.
fn val(v: Value) -> Vec<u8> {
    let mut out = Vec::new();
    msgpack::encode(&v, &mut out);
    out
}
fn int(n: i64) -> Vec<u8> {
    val(Value::Int(n))
}
fn float(f: f64) -> Vec<u8> {
    val(Value::Float(f))
}
fn string(s: &str) -> Vec<u8> {
    val(Value::str(s))
}
fn boolean(b: bool) -> Vec<u8> {
    val(Value::Bool(b))
}
/// A raw msgpack str (names, patterns).
fn raw(s: &str) -> Vec<u8> {
    assert!(s.len() < 32);
    [vec![0xa0 | s.len() as u8], s.as_bytes().to_vec()].concat()
}
fn array(parts: Vec<Vec<u8>>) -> Vec<u8> {
    assert!(parts.len() < 16);
    [vec![0x90 | parts.len() as u8], parts.concat()].concat()
}
fn op(code: i64, operands: Vec<Vec<u8>>) -> Vec<u8> {
    array([vec![int(code)], operands].concat())
}
fn bin(t: i64, name: &str) -> Vec<u8> {
    op(81, vec![int(t), raw(name)])
}
fn quote(items: Vec<Value>) -> Vec<u8> {
    op(
        126,
        vec![val(Value::List(List {
            items,
            ordered: false,
        }))],
    )
}
fn call(return_type: i64, system: i64, args: Vec<Vec<u8>>, target: Vec<u8>) -> Vec<u8> {
    op(
        127,
        vec![int(return_type), int(system), array(args), target],
    )
}

fn eval(bytes: &[u8]) -> Option<Value> {
    Expr::parse(bytes).expect("parses").eval(&rec())
}

fn unknown_bin() -> Vec<u8> {
    bin(INT, "missing")
}

#[test]
fn comparisons_and_trilean_logic() {
    let t = || op(1, vec![bin(INT, "a"), int(5)]);
    let f = || op(1, vec![bin(INT, "a"), int(6)]);
    let u = || op(1, vec![unknown_bin(), int(5)]);
    let cases: Vec<(Vec<u8>, Option<bool>)> = vec![
        (t(), Some(true)),
        (f(), Some(false)),
        (u(), None),
        (op(2, vec![bin(INT, "a"), int(6)]), Some(true)),
        (op(3, vec![bin(INT, "a"), int(4)]), Some(true)),
        (op(4, vec![bin(INT, "a"), int(5)]), Some(true)),
        (op(5, vec![bin(INT, "a"), int(5)]), Some(false)),
        (op(6, vec![bin(INT, "a"), int(5)]), Some(true)),
        (op(3, vec![bin(FLOAT, "f"), float(2.0)]), Some(true)),
        (op(5, vec![bin(STRING, "s"), string("World")]), Some(true)),
        (
            op(
                1,
                vec![
                    bin(LIST, "l"),
                    quote(vec![Value::Int(3), Value::Int(1), Value::Int(2)]),
                ],
            ),
            Some(true),
        ),
        (op(1, vec![bin(INT, "s"), int(5)]), None),
        (op(16, vec![t(), f(), u()]), Some(false)),
        (op(16, vec![t(), u()]), None),
        (op(16, vec![t(), t()]), Some(true)),
        (op(17, vec![f(), u(), t()]), Some(true)),
        (op(17, vec![f(), u()]), None),
        (op(17, vec![f(), f()]), Some(false)),
        (op(18, vec![f()]), Some(true)),
        (op(18, vec![u()]), None),
        (op(19, vec![t(), f()]), Some(true)),
        (op(19, vec![t(), t()]), Some(false)),
        (op(19, vec![t(), u()]), None),
        (op(9, vec![int(2), bin(LIST, "l")]), Some(true)),
        (op(9, vec![int(9), quote(vec![Value::Int(1)])]), Some(false)),
    ];
    for (bytes, want) in cases {
        let got = eval(&bytes);
        assert_eq!(got, want.map(Value::Bool), "{bytes:02x?}");
        let expr = Expr::parse(&bytes).unwrap();
        assert_eq!(filter_passes(&expr, &rec()), want == Some(true));
    }
}

#[test]
fn bins_keys_and_metadata() {
    let cases: Vec<(Vec<u8>, Option<Value>)> = vec![
        (bin(INT, "a"), Some(Value::Int(5))),
        (bin(STRING, "a"), None),
        (bin(LIST, "l"), rec().bin(b"l").cloned()),
        (op(82, vec![raw("s")]), Some(Value::Int(3))),
        (op(82, vec![raw("nope")]), Some(Value::Int(0))),
        (op(80, vec![int(INT)]), Some(Value::Int(42))),
        (op(80, vec![int(STRING)]), None),
        (op(71, vec![]), Some(Value::Bool(true))),
        (op(64, vec![int(3)]), Some(Value::Int(263 % 3))),
        (
            op(66, vec![]),
            Some(Value::Int((NOW_NS - 2_500_000_000) as i64)),
        ),
        (op(67, vec![]), Some(Value::Int(2500))),
        (
            op(68, vec![]),
            Some(Value::Int((1_700_000_100i64) * 1_000_000_000)),
        ),
        (op(69, vec![]), Some(Value::Int(100))),
        (op(70, vec![]), Some(Value::str("demo"))),
        (op(72, vec![]), Some(Value::Bool(false))),
        (op(74, vec![]), Some(Value::Int(321))),
        (op(73, vec![]), Some(Value::Int(321))),
        (op(65, vec![]), Some(Value::Int(0))),
    ];
    for (bytes, want) in cases {
        assert_eq!(eval(&bytes), want, "{bytes:02x?}");
    }
    let mut keyless = rec();
    keyless.key = None;
    let key_exists = Expr::parse(&op(71, vec![])).unwrap();
    assert_eq!(key_exists.eval(&keyless), Some(Value::Bool(false)));
    assert_eq!(
        Expr::parse(&op(80, vec![int(INT)])).unwrap().eval(&keyless),
        None
    );
}

#[test]
fn arithmetic() {
    let i = Value::Int;
    let f = Value::Float;
    let cases: Vec<(Vec<u8>, Option<Value>)> = vec![
        (op(20, vec![bin(INT, "a"), int(2), int(3)]), Some(i(10))),
        (op(20, vec![int(i64::MAX), int(1)]), Some(i(i64::MIN))),
        (op(20, vec![bin(FLOAT, "f"), float(0.5)]), Some(f(3.0))),
        (op(21, vec![int(10), int(3), int(2)]), Some(i(5))),
        (op(21, vec![int(4)]), Some(i(-4))),
        (op(22, vec![int(4), int(3)]), Some(i(12))),
        (op(23, vec![int(7), int(2)]), Some(i(3))),
        (op(23, vec![int(7), int(0)]), None),
        (op(23, vec![float(7.0), float(2.0)]), Some(f(3.5))),
        (op(24, vec![float(2.0), float(3.0)]), Some(f(8.0))),
        (op(25, vec![float(8.0), float(2.0)]), Some(f(3.0))),
        (op(26, vec![int(7), int(3)]), Some(i(1))),
        (op(26, vec![int(7), int(0)]), None),
        (op(27, vec![int(-7)]), Some(i(7))),
        (op(27, vec![float(-1.5)]), Some(f(1.5))),
        (op(28, vec![float(1.5)]), Some(f(1.0))),
        (op(29, vec![float(1.5)]), Some(f(2.0))),
        (op(30, vec![float(-2.7)]), Some(i(-2))),
        (op(31, vec![int(3)]), Some(f(3.0))),
        (op(32, vec![int(0b1100), int(0b1010)]), Some(i(0b1000))),
        (op(33, vec![int(0b1100), int(0b1010)]), Some(i(0b1110))),
        (op(34, vec![int(0b1100), int(0b1010)]), Some(i(0b0110))),
        (op(35, vec![int(0)]), Some(i(-1))),
        (op(36, vec![int(1), int(4)]), Some(i(16))),
        (op(37, vec![int(-1), int(60)]), Some(i(15))),
        (op(38, vec![int(-16), int(2)]), Some(i(-4))),
        (op(36, vec![int(1), int(64)]), Some(i(0))),
        (op(39, vec![int(0b1011)]), Some(i(3))),
        (op(40, vec![int(1), boolean(true)]), Some(i(63))),
        (op(41, vec![int(6), boolean(true)]), Some(i(62))),
        (op(40, vec![int(-1), boolean(false)]), Some(i(-1))),
        (op(50, vec![int(4), int(-2), int(9)]), Some(i(-2))),
        (op(51, vec![float(4.0), float(9.5)]), Some(f(9.5))),
        (op(20, vec![unknown_bin(), int(1)]), None),
    ];
    for (bytes, want) in cases {
        assert_eq!(eval(&bytes), want, "{bytes:02x?}");
    }
}

#[test]
fn regex_cond_let_and_var() {
    let cases: Vec<(Vec<u8>, Option<Value>)> = vec![
        (
            op(7, vec![int(0), raw("^Hel"), bin(STRING, "s")]),
            Some(Value::Bool(true)),
        ),
        (
            op(7, vec![int(0), raw("hello"), bin(STRING, "s")]),
            Some(Value::Bool(false)),
        ),
        (
            op(7, vec![int(2), raw("hello"), bin(STRING, "s")]),
            Some(Value::Bool(true)),
        ),
        (
            op(7, vec![int(3), raw("l+o$"), bin(STRING, "s")]),
            Some(Value::Bool(true)),
        ),
        (op(7, vec![int(0), raw("x"), bin(STRING, "missing")]), None),
        (
            op(
                123,
                vec![
                    op(1, vec![bin(INT, "a"), int(1)]),
                    int(10),
                    op(1, vec![bin(INT, "a"), int(5)]),
                    int(20),
                    int(30),
                ],
            ),
            Some(Value::Int(20)),
        ),
        (
            op(123, vec![boolean(false), int(10), int(30)]),
            Some(Value::Int(30)),
        ),
        (
            op(
                123,
                vec![op(1, vec![unknown_bin(), int(1)]), int(10), int(30)],
            ),
            None,
        ),
        (
            op(
                125,
                vec![
                    raw("x"),
                    bin(INT, "a"),
                    raw("y"),
                    op(20, vec![op(124, vec![raw("x")]), int(1)]),
                    op(22, vec![op(124, vec![raw("x")]), op(124, vec![raw("y")])]),
                ],
            ),
            Some(Value::Int(30)),
        ),
    ];
    for (bytes, want) in cases {
        assert_eq!(eval(&bytes), want, "{bytes:02x?}");
    }
}

#[test]
fn cdt_calls_read_and_modify_locally() {
    let list = || bin(LIST, "l");
    let map = || bin(MAP, "m");
    let ctx_args = |ctx: Vec<Value>, inner: Vec<Vec<u8>>| {
        vec![
            int(0xff),
            val(Value::List(List {
                items: ctx,
                ordered: false,
            })),
            array(inner),
        ]
    };
    let cases: Vec<(Vec<u8>, Option<Value>)> = vec![
        (call(INT, 0, vec![int(16)], list()), Some(Value::Int(3))),
        (
            call(INT, 0, vec![int(19), int(7), int(-1)], list()),
            Some(Value::Int(2)),
        ),
        (
            call(INT, 0, vec![int(21), int(7), int(0)], list()),
            Some(Value::Int(1)),
        ),
        (
            call(INT, 0, vec![int(22), int(5), bin(INT, "a")], list()),
            Some(Value::Int(0)),
        ),
        (
            // The server's partial heap sort reports a low rank range descending.
            call(LIST, 0, vec![int(26), int(7), int(0), int(2)], list()),
            Some(Value::List(List {
                items: vec![Value::Int(2), Value::Int(1)],
                ordered: false,
            })),
        ),
        (
            call(
                INT,
                0,
                vec![int(23), int(5), quote(vec![Value::Int(1), Value::Int(3)])],
                list(),
            ),
            Some(Value::Int(2)),
        ),
        (call(INT, 0, vec![int(96)], map()), Some(Value::Int(2))),
        (
            call(INT, 0, vec![int(97), int(7), string("y")], map()),
            Some(Value::Int(2)),
        ),
        (
            call(
                LIST,
                0,
                vec![
                    int(107),
                    int(6),
                    quote(vec![Value::str("y"), Value::str("q")]),
                ],
                map(),
            ),
            Some(Value::List(List {
                items: vec![Value::str("y")],
                ordered: false,
            })),
        ),
        (
            call(LIST, 0x40, vec![int(1), int(9)], list()),
            Some(Value::List(List {
                items: vec![Value::Int(3), Value::Int(1), Value::Int(2), Value::Int(9)],
                ordered: false,
            })),
        ),
        (call(INT, 0, vec![int(16)], bin(LIST, "missing")), None),
        (call(INT, 0, vec![int(19), int(7), int(10)], list()), None),
        (
            call(
                INT,
                0,
                ctx_args(vec![Value::Int(0x22), Value::str("y")], vec![int(16)]),
                map(),
            ),
            None,
        ),
    ];
    for (bytes, want) in cases {
        assert_eq!(eval(&bytes), want, "{bytes:02x?}");
    }
    // A context inside a call: the size of the list under key "k".
    let nested = Rec {
        bins: vec![(
            "m",
            Value::Map(Map {
                entries: vec![(Value::str("k"), rec().bin(b"l").cloned().unwrap())],
                order: 0,
            }),
        )],
        key: None,
    };
    let bytes = call(
        INT,
        0,
        ctx_args(vec![Value::Int(0x22), Value::str("k")], vec![int(16)]),
        map(),
    );
    assert_eq!(
        Expr::parse(&bytes).unwrap().eval(&nested),
        Some(Value::Int(3))
    );
}

#[test]
fn read_and_modify_ops_honour_flags() {
    let payload = |e: Vec<u8>, flags: i64| array(vec![e, int(flags)]);
    let r = rec();
    assert_eq!(
        read_op(&payload(op(20, vec![bin(INT, "a"), int(1)]), 0), &r),
        Ok(Some(Value::Int(6)))
    );
    assert_eq!(
        read_op(&payload(unknown_bin(), 0), &r),
        Err(OP_NOT_APPLICABLE)
    );
    assert_eq!(read_op(&payload(unknown_bin(), 0x10), &r), Ok(None));

    let five = Value::Int(5);
    let cases: Vec<(Vec<u8>, i64, Option<&Value>, ModifyOutcome)> = vec![
        (int(7), 0, None, Ok(Some(Value::Int(7)))),
        (int(7), 0, Some(&five), Ok(Some(Value::Int(7)))),
        (int(7), 0x01, Some(&five), Err(BIN_EXISTS)),
        (int(7), 0x01 | 0x08, Some(&five), Ok(Some(five.clone()))),
        (int(7), 0x02, None, Err(BIN_NOT_FOUND)),
        (int(7), 0x02 | 0x08, None, Ok(None)),
        (val(Value::Nil), 0, Some(&five), Err(OP_NOT_APPLICABLE)),
        (val(Value::Nil), 0x04, Some(&five), Ok(None)),
        (val(Value::Nil), 0x08, Some(&five), Ok(Some(five.clone()))),
        (unknown_bin(), 0, Some(&five), Err(OP_NOT_APPLICABLE)),
        (unknown_bin(), 0x10, Some(&five), Ok(Some(five.clone()))),
    ];
    for (e, flags, current, want) in cases {
        assert_eq!(
            modify_op(&payload(e.clone(), flags), &r, current),
            want,
            "{e:02x?} {flags}"
        );
    }
}

#[test]
fn malformed_or_ill_typed_expressions_are_parameter_errors() {
    let mut deep = Vec::new();
    for _ in 0..300 {
        deep.extend([0x92, 0x12]);
    }
    deep.extend(boolean(true));
    let cases: Vec<Vec<u8>> = vec![
        vec![],
        vec![0x91],
        vec![0x93, 0x01, 0x05],
        vec![0xdd, 0xff, 0xff, 0xff, 0xff, 0x01],
        vec![0x90],
        op(1, vec![int(1)]),
        op(1, vec![bin(INT, "a"), string("x")]),
        op(20, vec![int(1), float(1.0)]),
        op(16, vec![int(1), boolean(true)]),
        op(16, vec![]),
        op(99, vec![]),
        op(-1, vec![]),
        op(124, vec![raw("nope")]),
        op(125, vec![raw("x"), int(1)]),
        op(126, vec![int(1)]),
        val(Value::List(List {
            items: vec![Value::Int(1)],
            ordered: false,
        })),
        op(7, vec![int(1), raw("(a"), bin(STRING, "s")]),
        op(7, vec![int(0), raw("a"), bin(INT, "a")]),
        op(81, vec![int(99), raw("a")]),
        op(81, vec![int(INT), int(5)]),
        op(80, vec![int(LIST)]),
        op(64, vec![int(0)]),
        op(
            127,
            vec![int(INT), int(1), array(vec![int(16)]), bin(LIST, "l")],
        ),
        op(
            127,
            vec![int(INT), int(0), array(vec![int(16)]), bin(INT, "a")],
        ),
        op(127, vec![int(INT), int(0), array(vec![]), bin(LIST, "l")]),
        op(123, vec![int(1), int(2), int(3)]),
        [op(1, vec![int(1), int(1)]), vec![0xc0]].concat(),
        deep,
    ];
    for bytes in cases {
        assert_eq!(
            Expr::parse(&bytes).err(),
            Some(PARAMETER_ERROR),
            "{bytes:02x?}"
        );
    }
    let r = rec();
    assert_eq!(read_op(&[0x92, 0x05], &r), Err(PARAMETER_ERROR));
    assert_eq!(read_op(&array(vec![int(1)]), &r), Err(PARAMETER_ERROR));
    assert_eq!(
        modify_op(&array(vec![int(1), string("x")]), &r, None),
        Err(PARAMETER_ERROR)
    );
}

#[test]
fn mutated_expressions_parse_and_evaluate_or_answer_a_result_code() {
    let seeds = [
        op(
            16,
            vec![
                op(1, vec![bin(INT, "a"), int(5)]),
                op(7, vec![int(2), raw("^h.*o$"), bin(STRING, "s")]),
            ],
        ),
        call(
            LIST,
            0,
            vec![int(26), int(7), int(0), int(2)],
            bin(LIST, "l"),
        ),
        call(
            LIST,
            0x40,
            vec![int(3), int(1), quote(vec![Value::Int(1)])],
            bin(LIST, "l"),
        ),
        op(
            125,
            vec![
                raw("x"),
                op(20, vec![bin(INT, "a"), int(1)]),
                op(123, vec![boolean(true), op(124, vec![raw("x")]), int(0)]),
            ],
        ),
        op(36, vec![op(64, vec![int(7)]), op(69, vec![])]),
    ];
    let record = rec();
    let mut mutator = crate::cdt::tests::Mutator::new();
    for round in 0..20_000 {
        let bytes = mutator.mutate(&seeds[round % seeds.len()]);
        if let Ok(expr) = Expr::parse(&bytes) {
            // Any value or UNKNOWN is fine; reaching the next round shows there was no panic.
            let _ = expr.eval(&record);
        }
        let _ = read_op(&array(vec![bytes.clone(), int(0)]), &record);
    }
}
