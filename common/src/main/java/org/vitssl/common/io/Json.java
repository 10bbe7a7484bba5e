package org.vitssl.common.io;

import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;

import java.util.Map;

/** JSON text from plain maps and lists, through Typesafe Config's renderer (no extra dependency). */
public final class Json {
    private Json() {}

    public static String render(Map<String, ?> map, boolean pretty) {
        return ConfigValueFactory.fromMap(map).render(ConfigRenderOptions.concise().setFormatted(pretty));
    }
}
