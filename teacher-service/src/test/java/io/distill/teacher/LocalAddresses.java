package io.distill.teacher;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.util.Collections;

/** This machine's addresses other than loopback, to check what a server bound to loopback refuses. */
final class LocalAddresses {
    private LocalAddresses() {}

    /** An address of an up, non-loopback interface of this machine, or null when it has none. */
    static InetAddress nonLoopback() throws SocketException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                if (address instanceof java.net.Inet4Address && !address.isLoopbackAddress()) {
                    return address;
                }
            }
        }
        return null;
    }

    /** Whether a connection to {@code address:port} is refused. */
    static boolean refuses(InetAddress address, int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 2000);
            return false;
        } catch (ConnectException e) {
            return true;
        }
    }
}
