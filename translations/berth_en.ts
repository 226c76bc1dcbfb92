<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>Berth::Gui::ActivityView</name>
    <message numerus="yes">
        <source>%n recent event(s)</source>
        <translation>
            <numerusform>%n recent event</numerusform>
            <numerusform>%n recent events</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Berth::Gui::BuildPage</name>
    <message numerus="yes">
        <source>%n note(s)</source>
        <translation>
            <numerusform>%n note</numerusform>
            <numerusform>%n notes</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n error(s)</source>
        <translation>
            <numerusform>%n error</numerusform>
            <numerusform>%n errors</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n warning(s)</source>
        <translation>
            <numerusform>%n warning</numerusform>
            <numerusform>%n warnings</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Berth::Gui::ContainersPage</name>
    <message numerus="yes">
        <source>Cancelled: %1 (%n not started).</source>
        <translation>
            <numerusform>Cancelled: %1 (%n not started).</numerusform>
            <numerusform>Cancelled: %1 (%n not started).</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1: %n failed (%2).</source>
        <extracomment>%1 is the action (&quot;Stopping 3 containers&quot;), %2 the names that failed</extracomment>
        <translation>
            <numerusform>%1: %n failed (%2).</numerusform>
            <numerusform>%1: %n failed (%2).</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Starting %n container(s)</source>
        <translation>
            <numerusform>Starting %n container</numerusform>
            <numerusform>Starting %n containers</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Stopping %n container(s)</source>
        <translation>
            <numerusform>Stopping %n container</numerusform>
            <numerusform>Stopping %n containers</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Restarting %n container(s)</source>
        <translation>
            <numerusform>Restarting %n container</numerusform>
            <numerusform>Restarting %n containers</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Killing %n container(s)</source>
        <translation>
            <numerusform>Killing %n container</numerusform>
            <numerusform>Killing %n containers</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Removing %n container(s)</source>
        <translation>
            <numerusform>Removing %n container</numerusform>
            <numerusform>Removing %n containers</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Remove %n container(s)?</source>
        <translation>
            <numerusform>Remove %n container?</numerusform>
            <numerusform>Remove %n containers?</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Berth::Gui::ImageListModel</name>
    <message numerus="yes">
        <source>In use (%n)</source>
        <translation>
            <numerusform>In use (%n)</numerusform>
            <numerusform>In use (%n)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n container(s) use this image.</source>
        <translation>
            <numerusform>%n container uses this image.</numerusform>
            <numerusform>%n containers use this image.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Berth::Gui::ImagesPage</name>
    <message numerus="yes">
        <source>%n image(s)</source>
        <translation>
            <numerusform>%n image</numerusform>
            <numerusform>%n images</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Removed %1 (%n layer(s) or image(s) deleted).</source>
        <translation>
            <numerusform>Removed %1 (%n layer or image deleted).</numerusform>
            <numerusform>Removed %1 (%n layers or images deleted).</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Pruned images: %n deleted, %1 reclaimed.</source>
        <translation>
            <numerusform>Pruned images: %n deleted, %1 reclaimed.</numerusform>
            <numerusform>Pruned images: %n deleted, %1 reclaimed.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Remove %n image(s)?</source>
        <translation>
            <numerusform>Remove %n image?</numerusform>
            <numerusform>Remove %n images?</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Berth::Gui::LogView</name>
    <message numerus="yes">
        <source>%n match(es)</source>
        <translation>
            <numerusform>%n match</numerusform>
            <numerusform>%n matches</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Berth::Gui::ProgressPanel</name>
    <message numerus="yes">
        <source>%1 of %n layer(s) done</source>
        <translation>
            <numerusform>%1 of %n layer done</numerusform>
            <numerusform>%1 of %n layers done</numerusform>
        </translation>
    </message>
</context>
</TS>
