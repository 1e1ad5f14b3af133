#!/usr/bin/env bash
# /opt/kafka/bin/kafka-*.sh of the official image: the script's name picks the tool's main class.
set -euo pipefail
declare -A classes=(
  [kafka-topics]=org.apache.kafka.tools.TopicCommand
  [kafka-broker-api-versions]=org.apache.kafka.tools.BrokerApiVersionsCommand
  [kafka-consumer-groups]=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand
  [kafka-get-offsets]=org.apache.kafka.tools.GetOffsetShell
  [kafka-storage]=kafka.tools.StorageTool
)
tool=$(basename "$0" .sh)
if [[ "$tool" == kafka-run-class ]]; then
  class="$1"
  shift
else
  class="${classes[$tool]}"
fi
unset JAVA_TOOL_OPTIONS # the broker's, and the JVM would announce them on stderr
exec java -XX:TieredStopAtLevel=1 -Xmx256m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp '/app/lib/*' \
  "$class" "$@"
