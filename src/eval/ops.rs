//! Unary and binary operators with Terraform's conversion, unknown and sensitive rules.

use super::value::Value;
use super::Type;
use hcl_edit::expr::{BinaryOperator, UnaryOperator};

/// Which operand an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Left,
    Right,
}

pub fn unary(op: UnaryOperator, v: Value) -> Result<Value, String> {
    let (v, s) = v.unmark();
    if !v.is_known() {
        return Ok(Value::Unknown.mark_if(s));
    }
    let out = match op {
        UnaryOperator::Neg => match Type::Number.convert(v) {
            Ok(Value::Number(n)) => Value::Number(-n),
            _ => return Err("Unsuitable value for unary operand: a number is required.".into()),
        },
        UnaryOperator::Not => match Type::Bool.convert(v) {
            Ok(Value::Bool(b)) => Value::Bool(!b),
            _ => return Err("Unsuitable value for unary operand: a bool is required.".into()),
        },
    };
    Ok(out.mark_if(s))
}

fn num(v: Value, side: Side) -> Result<f64, (Side, String)> {
    match Type::Number.convert(v) {
        Ok(Value::Number(n)) => Ok(n),
        Ok(Value::Null) => Err((
            side,
            "Unsuitable value for operand: a number is required, but the value is null.".into(),
        )),
        _ => Err((
            side,
            "Unsuitable value for operand: a number is required.".into(),
        )),
    }
}

fn boolean(v: Value, side: Side) -> Result<bool, (Side, String)> {
    match Type::Bool.convert(v) {
        Ok(Value::Bool(b)) => Ok(b),
        Ok(Value::Null) => Err((
            side,
            "Unsuitable value for operand: a bool is required, but the value is null.".into(),
        )),
        _ => Err((
            side,
            "Unsuitable value for operand: a bool is required.".into(),
        )),
    }
}

pub fn binary(op: BinaryOperator, l: Value, r: Value) -> Result<Value, (Side, String)> {
    use BinaryOperator as B;
    let (l, s1) = l.unmark_deep();
    let (r, s2) = r.unmark_deep();
    let sens = s1 || s2;
    match op {
        B::Eq | B::NotEq => {
            if !l.is_wholly_known() || !r.is_wholly_known() {
                return Ok(Value::Unknown.mark_if(sens));
            }
            let eq = equal(&l, &r);
            Ok(Value::Bool(if op == B::Eq { eq } else { !eq }).mark_if(sens))
        }
        B::And | B::Or => {
            let lb = if l.is_known() {
                Some(boolean(l, Side::Left)?)
            } else {
                None
            };
            let rb = if r.is_known() {
                Some(boolean(r, Side::Right)?)
            } else {
                None
            };
            let out = match (op, lb, rb) {
                (B::And, Some(false), _) | (B::And, _, Some(false)) => Value::Bool(false),
                (B::Or, Some(true), _) | (B::Or, _, Some(true)) => Value::Bool(true),
                (_, Some(a), Some(b)) => Value::Bool(if op == B::And { a && b } else { a || b }),
                _ => Value::Unknown,
            };
            Ok(out.mark_if(sens))
        }
        _ => {
            if !l.is_known() || !r.is_known() {
                // Still type-check the known side.
                if l.is_known() {
                    num(l, Side::Left)?;
                }
                if r.is_known() {
                    num(r, Side::Right)?;
                }
                return Ok(Value::Unknown.mark_if(sens));
            }
            let a = num(l, Side::Left)?;
            let b = num(r, Side::Right)?;
            let out = match op {
                B::Plus => Value::Number(a + b),
                B::Minus => Value::Number(a - b),
                B::Mul => Value::Number(a * b),
                B::Div => {
                    if b == 0.0 {
                        return Err((
                            Side::Right,
                            "Division by zero: can't divide by zero.".into(),
                        ));
                    }
                    Value::Number(a / b)
                }
                B::Mod => {
                    if b == 0.0 {
                        return Err((Side::Right, "Division by zero: can't use zero as the divisor of a modulo operation.".into()));
                    }
                    Value::Number(a % b)
                }
                B::Less => Value::Bool(a < b),
                B::LessEq => Value::Bool(a <= b),
                B::Greater => Value::Bool(a > b),
                B::GreaterEq => Value::Bool(a >= b),
                B::Eq | B::NotEq | B::And | B::Or => unreachable!("handled above"),
            };
            Ok(out.mark_if(sens))
        }
    }
}

/// Deep equality; numbers compare by value, lists and sets element-wise.
pub fn equal(a: &Value, b: &Value) -> bool {
    match (a.peel(), b.peel()) {
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::List(x), Value::List(y)) | (Value::Set(x), Value::Set(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k1, v1), (k2, v2))| k1 == k2 && equal(v1, v2))
        }
        (x, y) => x == y,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_and_logic() {
        assert_eq!(
            binary(BinaryOperator::Plus, "2".into(), Value::Number(3.0)),
            Ok(Value::Number(5.0))
        );
        assert_eq!(
            binary(BinaryOperator::Div, Value::Number(1.0), Value::Number(0.0))
                .unwrap_err()
                .0,
            Side::Right
        );
        assert_eq!(
            binary(BinaryOperator::And, Value::Bool(false), Value::Unknown),
            Ok(Value::Bool(false))
        );
        assert_eq!(
            binary(BinaryOperator::Or, Value::Bool(false), Value::Unknown),
            Ok(Value::Unknown)
        );
        assert_eq!(
            binary(BinaryOperator::Eq, Value::Number(1.0), "1".into()),
            Ok(Value::Bool(false))
        );
        assert!(binary(BinaryOperator::Plus, "x".into(), Value::Unknown).is_err());
        assert_eq!(
            unary(UnaryOperator::Not, Value::Bool(true)),
            Ok(Value::Bool(false))
        );
    }
}
