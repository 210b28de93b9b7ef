package dev.rotor.devstack.process;

import dev.rotor.devstack.DevstackException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** Loopback ports: is one free, does one answer. */
public final class Ports {
  private Ports() {}

  /**
   * Fails with one clear line when {@code port} is taken on 127.0.0.1.
   *
   * @param what what the devstack wants it for
   */
  public static void requireFree(int port, String what) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    } catch (IOException e) {
      throw new DevstackException(
          "ROTOR-8002",
          "port "
              + port
              + " on 127.0.0.1 is in use, and the devstack needs it for "
              + what
              + "; stop what uses it (ss -ltnp 'sport = :"
              + port
              + "' shows it) or start with --port-offset <n>");
    }
  }

  /** Whether something accepts connections on 127.0.0.1:{@code port}. */
  public static boolean answers(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** A port that is free now (the OS picks it). */
  public static int free() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new DevstackException("ROTOR-8002", "no free port on 127.0.0.1", e);
    }
  }
}
