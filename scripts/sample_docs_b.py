"""Sample corpus, part B (products). Original writing for ragworks."""

DOCS = [
("r1-scout-specs.md", "R1 Scout Specifications", [
 ("Overview", [
  "The R1 Scout is Lumen Robotics' small inspection robot for warehouses and factory floors. It drives autonomously along aisles and reports blocked paths, spills and damaged racks."]),
 ("Technical data", [
  "The R1 Scout weighs 18 kilograms and reaches a top speed of 2 metres per second. Its battery lasts up to 9 hours of continuous patrol and recharges in 2.5 hours on the charging dock.",
  "Sensors include a 360-degree lidar, two stereo cameras and a thermal camera. The robot is rated IP54 against dust and splashing water."]),
 ("Payload", [
  "The R1 Scout carries no cargo. Its top mount accepts accessories up to 2 kilograms, such as a barcode scanner or an extra camera."]),
]),
("r2-hauler-specs.md", "R2 Hauler Specifications", [
 ("Overview", [
  "The R2 Hauler is an autonomous mobile robot that moves pallets and carts between storage and shipping areas. It works alongside people and forklifts."]),
 ("Technical data", [
  "The R2 Hauler weighs 240 kilograms and carries payloads up to 600 kilograms. Its top speed is 1.5 metres per second when empty and 1.0 metre per second when loaded.",
  "The battery lasts up to 12 hours and can be swapped in under five minutes, so a robot can run around the clock with a spare battery pack."]),
 ("Safety", [
  "Two safety-rated lidars create a protective field that slows the robot when a person approaches and stops it at 0.5 metres. The R2 is certified to ISO 3691-4."]),
]),
("battery-care.pdf", "Battery Care Guide", [
 ("Storage", [
  "Store spare battery packs at 40 to 60 percent charge in a dry room between 10 and 25 degrees Celsius. Check the charge of stored packs every three months."]),
 ("Charging", [
  "Only charge batteries with the Lumen charging dock or the approved bench charger. Charging below 0 degrees Celsius damages the cells and is blocked by the battery management system."]),
 ("End of life", [
  "A battery pack should be replaced when its capacity falls below 70 percent of the original, which the fleet dashboard shows as battery health. Return old packs to Lumen for recycling; never put them in general waste."]),
]),
("charging-dock.html", "Charging Dock Installation", [
 ("Placement", [
  "Place the charging dock against a solid wall on a level floor, with at least one metre of free space in front of it and 30 centimetres on each side. The dock needs a standard 230 volt socket."]),
 ("Pairing", [
  "Press the pair button on the dock for three seconds until the ring light blinks blue, then select Add dock in the fleet dashboard. A dock can serve up to four R1 Scout robots."]),
 ("Status lights", [
  "A green ring means the dock is ready, a pulsing blue ring means a robot is charging, and a red ring means a fault: check the power cable and clean the charging contacts."]),
]),
("error-codes.txt", "Robot Error Codes", [
 ("Drive errors", [
  "E101 means a wheel motor is overheating; the robot stops and waits ten minutes before it resumes. E102 means a wheel is blocked; remove the obstacle and press resume in the fleet dashboard."]),
 ("Sensor errors", [
  "E201 means the lidar is dirty or covered; clean the lidar window with a dry microfibre cloth. E202 means the lidar calibration is out of tolerance and a recalibration is needed."]),
 ("Battery errors", [
  "E301 means the battery temperature is too high for charging; the dock waits until the pack cools down. E302 means the battery health is below 70 percent and the pack should be replaced."]),
 ("Network errors", [
  "E401 means the robot lost its connection to the fleet server for more than 60 seconds. It finishes its current task, then drives to the nearest dock and waits."]),
]),
("firmware-updates.md", "Firmware Updates", [
 ("Release schedule", [
  "Robot firmware is released once a month, on the first Tuesday. Security fixes are released as soon as they are ready."]),
 ("Rolling out updates", [
  "Updates are installed from the fleet dashboard. Robots download the update while working and install it the next time they dock, which takes about eight minutes.",
  "Large fleets should use staged rollout: update 10 percent of robots first, watch the error rates for 24 hours, then update the rest."]),
 ("Rollback", [
  "If an update causes problems, select Roll back in the fleet dashboard. Robots keep the previous firmware version and can return to it within 30 days of an update."]),
]),
("safety-stop.docx", "Emergency Stop and Safety", [
 ("Emergency stop", [
  "Every Lumen robot has a red emergency stop button on each side. Pressing it cuts power to the motors immediately; the sensors and lights stay on.",
  "To restart after an emergency stop, twist the button to release it and confirm the restart in the fleet dashboard after checking that the area is clear."]),
 ("Operating zones", [
  "Robots only drive in zones mapped in the fleet dashboard. No-go zones, such as stairs and loading docks, are drawn on the map and the robots never enter them."]),
 ("Incidents", [
  "Any collision or near miss involving a robot must be reported to the site safety officer within 24 hours, even if nobody was hurt."]),
]),
("maintenance-schedule.md", "Maintenance Schedule", [
 ("Weekly", [
  "Clean the lidar windows and camera lenses with a dry microfibre cloth, and check the wheels for trapped debris such as shrink wrap or cable ties."]),
 ("Every three months", [
  "Inspect the bumper and the emergency stop buttons, tighten the wheel bolts, and clean the charging contacts of the robot and the dock."]),
 ("Every year", [
  "Lumen service technicians perform a full inspection, replace the drive belts of the R2 Hauler and test the safety lidars. Book the yearly service through the customer portal."]),
]),
("warranty.txt", "Product Warranty", [
 ("Coverage", [
  "Lumen robots come with a two-year limited warranty that covers defects in materials and workmanship. Battery packs are covered for one year or 1,000 charge cycles, whichever comes first."]),
 ("Exclusions", [
  "The warranty does not cover damage from accidents, misuse, use outside the rated temperature range, or repairs made by anyone other than Lumen or an authorised partner."]),
 ("Extended warranty", [
  "The CarePlus plan extends the warranty to five years and includes the yearly service visit. CarePlus must be bought within 90 days of delivery."]),
]),
("lidar-calibration.html", "Lidar Calibration", [
 ("When to calibrate", [
  "Calibrate the lidar after a collision, after replacing the lidar unit, or when the robot reports error E202. Calibration takes about 15 minutes."]),
 ("Procedure", [
  "Place the calibration target, a one-metre checkerboard board, two metres in front of the robot on a flat floor. Start Lidar calibration in the fleet dashboard and keep people out of the area until it finishes.",
  "The robot turns slowly in place and compares its measurements with the target. When calibration succeeds the status light turns green."]),
 ("If calibration fails", [
  "Clean the lidar window and repeat the procedure. If it fails three times, contact Lumen support, because the lidar unit may need replacing."]),
]),
("fleet-dashboard.md", "Fleet Dashboard Guide", [
 ("Overview", [
  "The fleet dashboard is the web application for monitoring and controlling Lumen robots. It shows each robot's position on the site map, its task, battery level and battery health."]),
 ("Users and roles", [
  "Dashboard users have one of three roles: viewer, operator and administrator. Only operators and administrators can send robots on tasks; only administrators can edit maps and install firmware."]),
 ("Reports", [
  "The dashboard sends a weekly report by email with distance driven, tasks completed, errors by code and charging time per robot. Reports can also be exported as CSV."]),
]),
("customer-support-tiers.docx", "Customer Support Tiers", [
 ("Standard support", [
  "Standard support is included with every robot. It provides email support on working days with a response within one business day."]),
 ("Priority support", [
  "Priority support adds phone support from 7:00 to 22:00 on weekdays and a four-hour response time for critical issues, meaning a robot fleet that cannot operate."]),
 ("Enterprise support", [
  "Enterprise support offers 24/7 phone support, a one-hour response time for critical issues, a named technical account manager and on-site visits within 48 hours."]),
]),
]
