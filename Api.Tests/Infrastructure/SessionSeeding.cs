namespace Api.Tests.Infrastructure;

/// <summary>Writes many session rows at once, for tests of the cleanup; no cookie opens them.</summary>
public static class SessionSeeding
{
    /// <summary>
    /// Inserts <paramref name="count"/> sessions of the user (the first user when null) whose idle expiry, or with
    /// <paramref name="capped"/> whose absolute expiry, lies one second before <paramref name="now"/>.
    /// </summary>
    public static Task InsertExpiredAsync(string connectionString, int count, DateTime now, long? userId = null, bool capped = false) =>
        TestSql.ExecuteSqlAsync(connectionString, """
            INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, absolute_expires_at)
            SELECT sha256(convert_to(gen_random_uuid()::text, 'UTF8')), COALESCE(@userId, (SELECT min(id) FROM users)),
                   @now - interval '1 day', @now - interval '1 day',
                   CASE WHEN @capped THEN @now + interval '1 day' ELSE @now - interval '1 second' END,
                   CASE WHEN @capped THEN @now - interval '1 second' ELSE @now + interval '1 day' END
            FROM generate_series(1, @count)
            """, new { count, now, userId, capped });
}
