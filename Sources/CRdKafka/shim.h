// librdkafka (Debian's librdkafka-dev) for Swift: the headers in the order the mock cluster needs them
// (rdkafka.h before rdkafka_mock.h), and inline wrappers for what Swift cannot call (variadic functions).
#ifndef AUTOOPTIMIZE_CRDKAFKA_SHIM_H
#define AUTOOPTIMIZE_CRDKAFKA_SHIM_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/// Produces one message, copying key and value; `headers` (may be NULL) belong to librdkafka once this succeeds
/// and stay the caller's when it fails. `opaque` comes back in the delivery report.
static inline rd_kafka_resp_err_t ao_rd_kafka_produce(rd_kafka_t *rk, const char *topic, int32_t partition,
                                                       const void *key, size_t key_length,
                                                       const void *value, size_t value_length,
                                                       rd_kafka_headers_t *headers, void *opaque) {
    if (headers) {
        return rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key, key_length),
                                 RD_KAFKA_V_VALUE(value, value_length), RD_KAFKA_V_HEADERS(headers),
                                 RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
    }
    return rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key, key_length),
                             RD_KAFKA_V_VALUE(value, value_length), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
}

#endif
