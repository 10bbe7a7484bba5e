package org.vitssl.augment;

import com.typesafe.config.Config;
import org.vitssl.common.config.VitsslConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Test settings: the reference defaults with small crops so tests stay fast. */
final class Settings {
    private Settings() {}

    static Config config(String... overrides) {
        List<String> o = new ArrayList<>(List.of("augment.global.size=32", "augment.local.size=16", "augment.local.count=3"));
        o.addAll(Arrays.asList(overrides));
        return VitsslConfig.load(null, o);
    }

    static MultiCropSettings small(String... overrides) {
        return MultiCropSettings.fromConfig(config(overrides));
    }
}
