//! Result codes the server puts in byte 5 of an AS_MSG header (server `proto.h`).

pub type ResultCode = u8;

pub const OK: ResultCode = 0;
pub const SERVER_ERROR: ResultCode = 1;
pub const KEY_NOT_FOUND: ResultCode = 2;
pub const GENERATION_ERROR: ResultCode = 3;
pub const PARAMETER_ERROR: ResultCode = 4;
pub const KEY_EXISTS: ResultCode = 5;
pub const BIN_EXISTS: ResultCode = 6;
pub const OUT_OF_SPACE: ResultCode = 8;
pub const TIMEOUT: ResultCode = 9;
pub const PARTITION_UNAVAILABLE: ResultCode = 11;
pub const BIN_TYPE_ERROR: ResultCode = 12;
pub const RECORD_TOO_BIG: ResultCode = 13;
pub const KEY_BUSY: ResultCode = 14;
pub const UNSUPPORTED_FEATURE: ResultCode = 16;
pub const BIN_NOT_FOUND: ResultCode = 17;
pub const DEVICE_OVERLOAD: ResultCode = 18;
pub const KEY_MISMATCH: ResultCode = 19;
pub const INVALID_NAMESPACE: ResultCode = 20;
pub const BIN_NAME_TOO_LONG: ResultCode = 21;
pub const FAIL_FORBIDDEN: ResultCode = 22;
pub const ELEMENT_NOT_FOUND: ResultCode = 23;
pub const ELEMENT_EXISTS: ResultCode = 24;
pub const ENTERPRISE_ONLY: ResultCode = 25;
pub const OP_NOT_APPLICABLE: ResultCode = 26;
pub const FILTERED_OUT: ResultCode = 27;
pub const SECURITY_NOT_ENABLED: ResultCode = 52;
pub const UDF_EXECUTION: ResultCode = 100;
pub const INDEX_FOUND: ResultCode = 200;
pub const INDEX_NOT_FOUND: ResultCode = 201;
