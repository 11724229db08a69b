//! DynamicValue decoding: Terraform sends configuration, plans and state as
//! msgpack (or JSON) shaped by a schema. Any bytes must decode or fail
//! cleanly; what decodes must survive an encode/decode round trip.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use terraform_provider_nova::framework::codec;
use terraform_provider_nova::framework::Type;
use terraform_provider_nova::resources;

static TYPES: OnceLock<[Type; 3]> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    // the richest schemas: nested blocks, sets, maps, numbers
    let types = TYPES.get_or_init(|| {
        [
            resources::server::schema::schema().block.ty(),
            resources::flavor::schema().block.ty(),
            resources::aggregate::schema().block.ty(),
        ]
    });
    let ty = &types[usize::from(which % 3)];
    if which & 0x80 == 0 {
        if let Ok(v) = codec::decode_msgpack(bytes, ty) {
            let again = codec::decode_msgpack(&codec::encode_msgpack(&v, ty), ty)
                .expect("re-encoded value decodes");
            assert_eq!(again, v, "msgpack round trip");
        }
    } else if let Ok(v) = codec::decode_json(bytes, ty) {
        let again = codec::decode_msgpack(&codec::encode_msgpack(&v, ty), ty)
            .expect("value from JSON encodes as msgpack");
        assert_eq!(again, v, "JSON value round trip");
    }
});
