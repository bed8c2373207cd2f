using System.Text.Json;
using System.Text.Json.Serialization;

namespace Api.Infrastructure;

/// <summary>
/// Request bodies are read strictly: an unknown field, a field given twice, or a string holding NUL is a 400 that names
/// the field. NUL is refused here, for every string of every body, because PostgreSQL cannot store it in text: letting
/// it through would turn a client's mistake into a server error.
/// </summary>
public static class StrictJson
{
    public static void Apply(JsonSerializerOptions options)
    {
        // A field the API does not know is a mistake (or a probe) worth a 400, not something to ignore silently; a field
        // given twice is ambiguous (which one did a proxy or a validator in between look at?).
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.AllowDuplicateProperties = false;
        options.Converters.Add(new NoNulStringConverter());
    }

    /// <summary>The field a <see cref="JsonException"/> is about, as the client named it, or null for the body as a whole.</summary>
    public static string? FieldOf(JsonException exception)
    {
        var path = exception.Path;
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return null;
        }
        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..]
            : path.StartsWith("$['", StringComparison.Ordinal) && path.EndsWith("']", StringComparison.Ordinal) ? path[3..^2]
            : path.TrimStart('$');
    }
}

/// <summary>Thrown for a string that holds U+0000.</summary>
public sealed class NulCharacterException() : JsonException("The string contains a NUL character.");

internal sealed class NoNulStringConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var value = reader.GetString();
        return value is not null && value.Contains('\0', StringComparison.Ordinal) ? throw new NulCharacterException() : value;
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
