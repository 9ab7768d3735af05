using System.Globalization;
using OfflineSafety.Errors;

namespace OfflineSafety.Envs.Variants;

/// <summary>
/// The parameters that make one dynamics variant differ from its siblings. <see cref="Id"/> is the
/// variant's stable name (the `variant` column of every transition row) and parses back to an
/// equal record, so parameters are held at the id's precision (3 decimals) from the start.
/// </summary>
public abstract record DynamicsVariant
{
    /// <summary>Digits after the decimal point in an id; sampled parameters are rounded to this.</summary>
    public const int Decimals = 3;

    public abstract string Id { get; }

    /// <summary>The named dynamics parameters, as recorded in a dataset's per-variant metadata.</summary>
    public abstract IReadOnlyDictionary<string, double> Parameters { get; }

    public sealed override string ToString() => Id;

    public static float Quantize(double value) => (float)Math.Round(value, Decimals, MidpointRounding.ToEven);

    protected static string Format(float value) => value.ToString("F3", CultureInfo.InvariantCulture);
}

/// <summary>Navigation's actuator gains: s' = s + diag(b1, b2) a + noise.</summary>
public sealed record InputGainVariant : DynamicsVariant
{
    public InputGainVariant(double b1, double b2)
    {
        if (!(b1 > 0) || !(b2 > 0) || !double.IsFinite(b1) || !double.IsFinite(b2))
            throw new BadInputException($"input gains must be positive and finite (b1={b1}, b2={b2})");
        B1 = Quantize(b1);
        B2 = Quantize(b2);
    }

    public float B1 { get; }
    public float B2 { get; }

    public override string Id => $"b1={Format(B1)},b2={Format(B2)}";

    public override IReadOnlyDictionary<string, double> Parameters => new Dictionary<string, double> { ["b1"] = B1, ["b2"] = B2 };

    public static InputGainVariant Parse(string id)
    {
        var values = VariantId.Parse(id, "b1", "b2");
        return new InputGainVariant(values[0], values[1]);
    }
}

/// <summary>Cart-pole's pole length in metres.</summary>
public sealed record PoleLengthVariant : DynamicsVariant
{
    public PoleLengthVariant(double length)
    {
        if (!(length > 0) || !double.IsFinite(length))
            throw new BadInputException($"pole length must be positive and finite (L={length})");
        Length = Quantize(length);
    }

    public float Length { get; }

    public override string Id => $"L={Format(Length)}";

    public override IReadOnlyDictionary<string, double> Parameters => new Dictionary<string, double> { ["L"] = Length };

    public static PoleLengthVariant Parse(string id) => new(VariantId.Parse(id, "L")[0]);
}

/// <summary>Reads ids of the form "name=value,name=value" with the names in a fixed order.</summary>
public static class VariantId
{
    public static double[] Parse(string id, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(id);
        var values = new double[names.Length];
        var text = id.AsSpan().Trim();
        string expected = string.Join(",", names.Select(n => n + "=<number>"));
        for (int i = 0; i < names.Length; i++)
        {
            int comma = text.IndexOf(',');
            var part = comma < 0 ? text : text[..comma];
            int eq = part.IndexOf('=');
            if (eq < 0 || !part[..eq].Trim().Equals(names[i], StringComparison.Ordinal))
                throw new BadInputException($"variant '{id}': expected {expected}");
            if (!double.TryParse(part[(eq + 1)..].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
                throw new BadInputException($"variant '{id}': {names[i]} is not a number");
            bool last = i == names.Length - 1;
            if (last != (comma < 0))
                throw new BadInputException($"variant '{id}': expected {expected}");
            text = comma < 0 ? [] : text[(comma + 1)..];
        }
        return values;
    }
}
