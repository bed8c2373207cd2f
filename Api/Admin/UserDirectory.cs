using System.ComponentModel.DataAnnotations;
using Api.Infrastructure;
using Api.Sessions;
using Dapper;
using Npgsql;

namespace Api.Admin;

public sealed record AdminUserResponse(long Id, string Email, string Name, [property: AllowedValues(Roles.User, Roles.Admin)] string Role, DateTime CreatedAt, DateTime? DisabledAt, DateTime? EmailVerifiedAt, bool TwoFactorEnabled);

public sealed record PageResponse<T>(IReadOnlyList<T> Items, int Page, int PageSize, long Total);

/// <summary>Read side of user administration; selects no password hash, so none can leak into a response.</summary>
public sealed class UserDirectory(NpgsqlDataSource dataSource)
{
    private const string Columns = """
        id, email, name, role, created_at, disabled_at, email_verified_at,
        EXISTS (SELECT 1 FROM two_factor tf WHERE tf.user_id = users.id AND tf.enabled_at IS NOT NULL) AS two_factor_enabled
        """;

    public async Task<PageResponse<AdminUserResponse>> ListAsync(string? search, int page, int pageSize)
    {
        var pattern = string.IsNullOrEmpty(search) ? null : "%" + EscapeLike(search) + "%";
        return await dataSource.ReadAsync(async connection =>
        {
            await using var results = await connection.QueryMultipleAsync($"""
            SELECT count(*) FROM users
            WHERE @pattern::text IS NULL OR email ILIKE @pattern OR name ILIKE @pattern;

            SELECT {Columns} FROM users
            WHERE @pattern::text IS NULL OR email ILIKE @pattern OR name ILIKE @pattern
            ORDER BY id
            LIMIT @pageSize OFFSET @offset;
            """, new { pattern, pageSize, offset = (long)(page - 1) * pageSize });
            var total = await results.ReadSingleAsync<long>();
            var items = (await results.ReadAsync<AdminUserResponse>()).AsList();
            return new PageResponse<AdminUserResponse>(items, page, pageSize, total);
        });
    }

    public Task<AdminUserResponse?> FindAsync(long id) =>
        dataSource.ReadAsync(connection => connection.QuerySingleOrDefaultAsync<AdminUserResponse>(
            $"SELECT {Columns} FROM users WHERE id = @id", new { id }));

    // A search for "50%" or "a_b" means those characters literally.
    private static string EscapeLike(string value) =>
        value.Replace(@"\", @"\\", StringComparison.Ordinal)
            .Replace("%", @"\%", StringComparison.Ordinal)
            .Replace("_", @"\_", StringComparison.Ordinal);
}
