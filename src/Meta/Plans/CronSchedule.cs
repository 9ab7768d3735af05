using OfflineSafety.Errors;
using Quartz;

namespace OfflineSafety.Meta.Plans;

/// <summary>
/// A plan's cron trigger, parsed and evaluated by Quartz (seconds-first Quartz syntax, e.g.
/// "0 0 2 * * ?" for 02:00 daily), always in UTC so every replica agrees on the fire times.
/// </summary>
public sealed class CronSchedule
{
    private readonly CronExpression expression;

    private CronSchedule(CronExpression expression) => this.expression = expression;

    public string Text => expression.ToString();

    public static CronSchedule Parse(string text)
    {
        try
        {
            return new CronSchedule(new CronExpression(text, TimeZoneInfo.Utc));
        }
        catch (FormatException e)
        {
            throw new BadInputException($"--cron: '{text}' is not a Quartz cron expression ({e.Message}); e.g. '0 0 2 * * ?' runs at 02:00 UTC daily");
        }
    }

    /// <summary>The first fire time strictly after <paramref name="after"/>, or null when the schedule has ended.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset after) => expression.GetNextValidTimeAfter(after);
}
