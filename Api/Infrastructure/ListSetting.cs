namespace Api.Infrastructure;

/// <summary>
/// A list setting may be written as an array (appsettings.json, <c>Section__Key__0</c>) or as one comma-separated string
/// (<c>Section__Key=a,b</c>), the form container platforms, systemd units and .env files make natural. The configuration
/// binder reads only the array and drops the string without a word, which left such a list empty at runtime.
/// </summary>
public static class ListSetting
{
    /// <summary>
    /// The array's items, then the string's, trimmed; empty items are dropped and repeats kept once. When both forms are
    /// given (an array in appsettings.json, a string in the environment) the lists are joined, like any two sources that
    /// set different keys.
    /// </summary>
    public static string[] Read(IConfiguration configuration, string key)
    {
        var section = configuration.GetSection(key);
        var items = section.GetChildren().Select(child => child.Value ?? "")
            .Concat((section.Value ?? "").Split(','));
        return [.. items.Select(item => item.Trim()).Where(item => item.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase)];
    }
}
