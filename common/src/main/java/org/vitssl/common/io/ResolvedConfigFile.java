package org.vitssl.common.io;

import com.typesafe.config.Config;
import org.apache.hadoop.conf.Configuration;
import org.vitssl.common.config.VitsslConfig;

/** The resolved configuration stored beside an output, so every result says how it was made. */
public final class ResolvedConfigFile {
    public static final String NAME = "_vitssl.conf";

    private ResolvedConfigFile() {}

    public static void writeInto(String dir, Config config, Configuration hadoopConf) {
        HadoopFiles.writeString(dir + "/" + NAME, VitsslConfig.renderResolved(config), hadoopConf);
    }
}
