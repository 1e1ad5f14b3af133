package io.distill.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoredZipTest {
    @Test
    void entriesAreStoredInOrderAndReadBackByTheJdk(@TempDir Path dir) throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("b/data.pkl", new byte[] {(byte) 0x80, 2, '.'});
        entries.put("a.txt", "hello".getBytes(StandardCharsets.UTF_8));
        entries.put("empty", new byte[0]);
        Path zip = dir.resolve("x.zip");
        StoredZip.write(zip, entries);
        try (ZipFile file = new ZipFile(zip.toFile())) {
            List<String> names = new ArrayList<>();
            for (ZipEntry e : file.stream().toList()) {
                names.add(e.getName());
                assertEquals(ZipEntry.STORED, e.getMethod(), e.getName());
                assertEquals(StoredZip.ENTRY_TIME, e.getTime(), e.getName());
                assertArrayEquals(
                        entries.get(e.getName()), file.getInputStream(e).readAllBytes());
            }
            assertEquals(List.copyOf(entries.keySet()), names);
        }
    }

    @Test
    void aDirectoryPacksFlatSortedAndToTheSameBytesEachTime(@TempDir Path dir) throws Exception {
        Path bundle = Files.createDirectories(dir.resolve("bundle"));
        Files.writeString(bundle.resolve("weights.bin"), "w");
        Files.writeString(bundle.resolve("config.json"), "{}");
        Files.createDirectories(bundle.resolve("nested"));
        Files.writeString(bundle.resolve("nested/ignored"), "x");
        StoredZip.writeDirectory(bundle, dir.resolve("1.zip"));
        StoredZip.writeDirectory(bundle, dir.resolve("2.zip"));
        assertEquals(Sha256.hex(dir.resolve("1.zip")), Sha256.hex(dir.resolve("2.zip")));
        try (ZipFile file = new ZipFile(dir.resolve("1.zip").toFile())) {
            assertEquals(
                    List.of("config.json", "weights.bin"),
                    file.stream().map(ZipEntry::getName).toList());
        }
    }
}
