using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Api.Tests.Infrastructure;

public static class Ports
{
    private static readonly ConcurrentDictionary<int, bool> Given = new();

    /// <summary>
    /// A loopback port that was free a moment ago, for a server a test starts. The kernel may hand a released port out
    /// again at once (run.sh's test once got one port for PostgreSQL and the API), so none is given twice.
    /// </summary>
    public static int Free()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            if (Given.TryAdd(port, true))
            {
                return port;
            }
        }
    }
}
