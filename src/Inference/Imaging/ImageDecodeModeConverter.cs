using System.ComponentModel;
using System.Globalization;

namespace Mae.Cluster.Inference.Imaging;

/// <summary>
/// Reads <see cref="ImageDecodeMode"/> from configuration by name, case-insensitively, and also by the names it had
/// before 0.2 (<c>Exact</c>, <c>FastJpeg</c>), so a silo's existing appsettings or environment keeps working.
/// </summary>
public sealed class ImageDecodeModeConverter : EnumConverter
{
    public ImageDecodeModeConverter() : base(typeof(ImageDecodeMode)) { }

    /// <summary>The mode a name means, old names included; null for a name that is none.</summary>
    public static ImageDecodeMode? TryParse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var name = text.Trim().Replace("-", "", StringComparison.Ordinal);
        if (Enum.TryParse<ImageDecodeMode>(name, ignoreCase: true, out var mode) && Enum.IsDefined(mode) && !int.TryParse(name, out _))
        {
            return mode;
        }
        return name.ToUpperInvariant() switch
        {
            "EXACT" => ImageDecodeMode.ImageSharp,
            "FASTJPEG" or "FAST" => ImageDecodeMode.LibjpegTurboDctScaled,
            _ => null,
        };
    }

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is string text
            ? TryParse(text) ?? throw new FormatException($"'{text}' is not a decode mode: use ImageSharp, LibjpegTurbo or LibjpegTurboDctScaled.")
            : base.ConvertFrom(context, culture, value);
}
