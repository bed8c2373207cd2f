using System.Xml.Linq;
using Dapper;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace Api.Infrastructure;

/// <summary>
/// Data Protection's key ring in the data_protection_keys table, so every instance reads the keys every other instance
/// made. The key manager calls this synchronously and rarely (at startup, once a day, when it makes a key), and caches
/// what it read.
/// </summary>
public sealed class PostgresXmlRepository(NpgsqlDataSource dataSource) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = dataSource.OpenConnection();
        return [.. connection.Query<string>("SELECT xml FROM data_protection_keys ORDER BY id").Select(xml => XElement.Parse(xml))];
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = dataSource.OpenConnection();
        var xml = element.ToString(SaveOptions.DisableFormatting);
        const string sql = """
            INSERT INTO data_protection_keys (friendly_name, xml) VALUES (@friendlyName, @xml)
            ON CONFLICT (friendly_name) DO NOTHING
            """;
        if (connection.Execute(sql, new { friendlyName, xml }) == 0)
        {
            // The names are only labels (the key manager reads every element); like the file system repository, keep
            // a second element of the same name under a name of its own rather than lose it.
            connection.Execute(sql, new { friendlyName = $"{friendlyName}-{Guid.NewGuid():N}", xml });
        }
    }
}
